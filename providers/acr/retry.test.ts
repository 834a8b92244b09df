import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { FakeClock } from '../../test/fakes/clock.ts';
import { backoffDelay, withRetries } from './retry.ts';

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
