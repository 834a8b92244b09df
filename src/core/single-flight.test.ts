import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.ts';
import { SingleFlight } from './single-flight.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('SingleFlight', () => {
  it('runs once per key for concurrent callers', async () => {
    const flights = new SingleFlight<number>();
    const gate = deferred<number>();
    let runs = 0;
    const run = async () => {
      runs++;
      return gate.promise;
    };
    const signal = new AbortController().signal;
    const all = Promise.all([
      flights.run('a', signal, run),
      flights.run('a', signal, run),
      flights.run('b', signal, run),
    ]);
    await Promise.resolve();
    gate.resolve(7);
    expect(await all).toEqual([7, 7, 7]);
    expect(runs).toBe(2);
    expect(flights.size).toBe(0);
  });

  it('aborts the shared run only when every waiter has left', async () => {
    const flights = new SingleFlight<number>();
    let sharedSignal: AbortSignal | undefined;
    const run = (signal: AbortSignal) => {
      sharedSignal = signal;
      return new Promise<number>(() => {});
    };
    const one = new AbortController();
    const two = new AbortController();
    const first = flights.run('k', one.signal, run);
    const second = flights.run('k', two.signal, run);
    await Promise.resolve();
    one.abort();
    await expect(first).rejects.toMatchObject({ code: ErrorCode.Aborted });
    expect(sharedSignal?.aborted).toBe(false);
    two.abort();
    await expect(second).rejects.toMatchObject({ code: ErrorCode.Aborted });
    expect(sharedSignal?.aborted).toBe(true);
    expect(flights.size).toBe(0);
  });

  it('rejects an aborted caller with its own error when given one', async () => {
    const flights = new SingleFlight<number>();
    const mine = new Error('mine');
    const controller = new AbortController();
    const waiting = flights.run(
      'k',
      controller.signal,
      () => new Promise<number>(() => {}),
      () => mine,
    );
    controller.abort();
    await expect(waiting).rejects.toBe(mine);
    const already = flights.run(
      'k',
      controller.signal,
      async () => 1,
      () => mine,
    );
    await expect(already).rejects.toBe(mine);
  });

  it('abortAll cancels every run and forgets it', async () => {
    const flights = new SingleFlight<number>();
    const signals: AbortSignal[] = [];
    const run = (signal: AbortSignal) =>
      new Promise<number>((_resolve, reject) => {
        signals.push(signal);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    const signal = new AbortController().signal;
    const waiting = [flights.run('a', signal, run), flights.run('b', signal, run)];
    await Promise.resolve();
    await Promise.resolve();
    const closed = new Error('closed');
    flights.abortAll(closed);
    expect(flights.size).toBe(0);
    for (const one of waiting) await expect(one).rejects.toBe(closed);
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });
});
