import type { Clock } from '../../src/core/clock.ts';
import { ErrorCode, isRegcredError, RegcredError } from '../../src/core/errors.ts';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
  /** Called before each wait, for a log line. */
  readonly onRetry?: (error: RegcredError, attempt: number, delayMs: number) => void;
}

/**
 * The wait before retry number `attempt` (1-based): full jitter, uniform in [0, min(max, base·2^(n−1))),
 * but never shorter than the server's Retry-After (capped at `maxDelayMs`).
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random * ceiling);
  return retryAfterMs === undefined
    ? jittered
    : Math.max(jittered, Math.min(retryAfterMs, policy.maxDelayMs));
}

/**
 * Runs `operation` until it succeeds, throws a non-retryable error, or attempts run out; waits on the
 * injected clock between attempts. The last error is rethrown as it is (a throttled one keeps
 * `ERR_CREDENTIAL_THROTTLED`). Throws `ERR_ABORTED` when `signal` aborts while waiting.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRegcredError(error) || !error.retryable || attempt >= options.policy.attempts) throw error;
      if (options.signal.aborted) throw error;
      const retryAfter = error.details.retryAfterMs;
      const delay = backoffDelay(
        options.policy,
        attempt,
        random(),
        typeof retryAfter === 'number' ? retryAfter : undefined,
      );
      options.onRetry?.(error, attempt, delay);
      try {
        await options.clock.sleep(delay, options.signal);
      } catch (reason) {
        throw new RegcredError(ErrorCode.Aborted, 'cancelled while waiting to retry', {
          cause: reason,
          retryable: false,
        });
      }
    }
  }
}
