import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../test/fakes/clock.ts';
import { ErrorCode, RegcredError } from './errors.ts';
import { AttemptTimeoutError, backoffDelay, type RetryPolicy, withRetries } from './retry.ts';

const policy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 10_000 };

describe('backoffDelay (full jitter)', () => {
  it.each([
    { name: 'first retry, top of range', attempt: 1, random: 0.999, expected: 499 },
    { name: 'third retry, middle', attempt: 3, random: 0.5, expected: 1000 },
    { name: 'capped at maxDelay', attempt: 10, random: 0.5, expected: 5000 },
    { name: 'random 0 waits nothing', attempt: 2, random: 0, expected: 0 },
    { name: 'Retry-After is a floor', attempt: 1, random: 0, retryAfter: 3000, expected: 3000 },
    { name: 'Retry-After capped at maxDelay', attempt: 1, random: 0, retryAfter: 120_000, expected: 10_000 },
  ])('$name', ({ attempt, random, retryAfter, expected }) => {
    expect(backoffDelay(policy, attempt, random, retryAfter)).toBe(expected);
  });
});

describe('withRetries', () => {
  it('retries retryable errors on the clock, then succeeds', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = withRetries(
      async () => {
        calls++;
        if (calls < 3) throw new RegcredError(ErrorCode.CredentialFetch, 'HTTP 503');
        return 'ok';
      },
      { policy, clock, signal: new AbortController().signal, random: () => 0.5 },
    );
    await clock.advance(10_000);
    await expect(result).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it.each([
    { name: 'auth error', error: new RegcredError(ErrorCode.CredentialAuth, 'no'), calls: 1 },
    { name: 'plain Error', error: new Error('bug'), calls: 1 },
    {
      name: 'persistent 5xx uses every attempt',
      error: new RegcredError(ErrorCode.CredentialFetch, '503'),
      calls: 4,
    },
  ])('$name', async ({ error, calls: expectedCalls }) => {
    const clock = new FakeClock();
    let calls = 0;
    const result = withRetries(
      async () => {
        calls++;
        throw error;
      },
      { policy, clock, signal: new AbortController().signal, random: () => 0.5 },
    );
    result.catch(() => {});
    await clock.advance(60_000);
    await expect(result).rejects.toBe(error);
    expect(calls).toBe(expectedCalls);
  });

  it('an abort while waiting ends the retries', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const result = withRetries(
      async () => {
        throw new RegcredError(ErrorCode.CredentialFetch, '503');
      },
      { policy, clock, signal: controller.signal, random: () => 0.5 },
    );
    result.catch(() => {});
    await clock.advance(1);
    controller.abort(new Error('stop'));
    await expect(result).rejects.toMatchObject({ code: ErrorCode.Aborted });
  });
});

// Cases from the ECR provider, whose loop this was: its own retry predicate, exhaustion marker and abort.
const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 350 };

class RetriesExhausted extends Error {
  readonly attempts: number;
  readonly last: unknown;

  constructor(attempts: number, last: unknown) {
    super(`gave up after ${attempts} attempts`);
    this.attempts = attempts;
    this.last = last;
  }
}

describe('backoffDelay (full jitter, ECR policy)', () => {
  it.each([
    ['first retry, top of the window', 1, 0.999, 99],
    ['first retry, bottom', 1, 0, 0],
    ['second retry doubles the window', 2, 0.5, 100],
    ['third retry', 3, 0.5, 175],
    ['capped by maxDelayMs', 10, 0.999, 349],
  ])('%s', (_name, retry, random, expected) => {
    expect(backoffDelay(POLICY, retry, random)).toBe(expected);
  });
});

describe('withRetries with a custom predicate, onExhausted and onAbort', () => {
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
    const run = withRetries(
      async () => {
        const failure = failures[calls++];
        if (failure) throw failure;
        return 'ok';
      },
      {
        policy: POLICY,
        clock,
        signal: new AbortController().signal,
        random: () => 0.5,
        shouldRetry: (e) => e === transient,
        onExhausted: (last, n) => new RetriesExhausted(n, last),
      },
    );
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
    const run = withRetries(
      async () => {
        calls++;
        throw new Error('transient');
      },
      {
        policy: POLICY,
        clock,
        signal: controller.signal,
        random: () => 0.5,
        shouldRetry: () => true,
        onAbort: (reason) => reason,
      },
    );
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

describe('withRetries with an attempt timeout', () => {
  it('aborts a late attempt on the clock, classifies the timeout and retries', async () => {
    const clock = new FakeClock();
    const seen: unknown[] = [];
    let calls = 0;
    const result = withRetries(
      (_attempt, signal) => {
        calls++;
        if (calls === 2) return Promise.resolve('ok');
        return new Promise<string>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('socket closed')), { once: true });
        });
      },
      {
        policy,
        clock,
        signal: new AbortController().signal,
        random: () => 0,
        attemptTimeoutMs: 1_000,
        classify: (error) =>
          error instanceof AttemptTimeoutError
            ? new RegcredError(ErrorCode.Timeout, `no answer within ${error.timeoutMs} ms`)
            : error,
        onRetry: (error) => seen.push(error),
      },
    );
    await clock.advance(1_000);
    await expect(result).resolves.toBe('ok');
    expect(calls).toBe(2);
    expect(seen).toMatchObject([{ code: ErrorCode.Timeout, message: 'no answer within 1000 ms' }]);
  });

  it('honours the Retry-After floor it is given', async () => {
    const clock = new FakeClock();
    const delays: number[] = [];
    const throttled = new RegcredError(ErrorCode.CredentialThrottled, '429', { details: { wait: 3000 } });
    let calls = 0;
    const result = withRetries(
      async () => {
        if (calls++ === 0) throw throttled;
        return 'ok';
      },
      {
        policy,
        clock,
        signal: new AbortController().signal,
        random: () => 0,
        retryAfterMs: (error) => (error === throttled ? 3000 : undefined),
        onRetry: (_error, _attempt, delayMs) => delays.push(delayMs),
      },
    );
    await clock.advance(3_000);
    await expect(result).resolves.toBe('ok');
    expect(delays).toEqual([3000]);
  });
});
