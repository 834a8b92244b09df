import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../test/fakes/clock.ts';
import { backoffDelayMs, RetriesExhausted, type RetryPolicy, withRetries } from './retry.ts';

const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 350 };

describe('backoffDelayMs (full jitter)', () => {
  it.each([
    ['first retry, top of the window', 1, 0.999, 99],
    ['first retry, bottom', 1, 0, 0],
    ['second retry doubles the window', 2, 0.5, 100],
    ['third retry', 3, 0.5, 175],
    ['capped by maxDelayMs', 10, 0.999, 349],
  ])('%s', (_name, retry, random, expected) => {
    expect(backoffDelayMs(retry, POLICY, () => random)).toBe(expected);
  });
});

describe('withRetries', () => {
  const transient = new Error('transient');
  const fatal = new Error('fatal');

  it.each([
    ['succeeds at once', [], 'ok', 1],
    ['succeeds after two transient failures', [transient, transient], 'ok', 3],
    ['gives up on a fatal failure without retrying', [fatal], fatal, 1],
    ['runs out of attempts', [transient, transient, transient, transient], 'exhausted', 4],
  ] as const)('%s', async (_name, failures, outcome, attempts) => {
    const clock = new FakeClock();
    let calls = 0;
    const run = withRetries({
      policy: POLICY,
      clock,
      signal: new AbortController().signal,
      random: () => 0.5,
      shouldRetry: (e) => e === transient,
      attempt: async () => {
        const failure = failures[calls++];
        if (failure) throw failure;
        return 'ok';
      },
    });
    const settled = run.then(
      (value) => value,
      (e: unknown) => (e instanceof RetriesExhausted ? 'exhausted' : e),
    );
    for (let i = 0; i < 5; i++) await clock.advance(1_000);
    expect(await settled).toBe(outcome);
    expect(calls).toBe(attempts);
  });

  it('an abort during backoff rejects with the signal reason and stops retrying', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let calls = 0;
    const run = withRetries({
      policy: POLICY,
      clock,
      signal: controller.signal,
      random: () => 0.5,
      shouldRetry: () => true,
      attempt: async () => {
        calls++;
        throw new Error('transient');
      },
    });
    const settled = run.catch((e: unknown) => e);
    await flushMicrotasks();
    expect(clock.pendingSleepers).toBe(1);
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await settled).toBe(reason);
    await clock.advance(10_000);
    expect(calls).toBe(1);
  });
});
