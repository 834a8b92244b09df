import type { Clock } from '../../src/core/clock.ts';

export interface RetryPolicy {
  /** Total tries, the first included. */
  readonly maxAttempts: number;
  /** Cap of the first backoff window; doubles per attempt. */
  readonly baseDelayMs: number;
  /** No backoff window grows past this. */
  readonly maxDelayMs: number;
}

/**
 * ECR allows 20 GetAuthorizationToken calls per second (burst 200) per account and region; five tries
 * over at most ~3 s ride out a throttle burst without holding a refresh for long.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/**
 * "Full jitter" backoff (AWS Architecture Blog, 2015): a uniform draw in [0, min(max, base·2^(n-1))),
 * which spreads a burst of clients better than a fixed or equal-jitter delay.
 */
export function backoffDelayMs(retryNumber: number, policy: RetryPolicy, random: () => number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retryNumber - 1));
  return Math.floor(random() * window);
}

export interface RetryOptions<T> {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly random: () => number;
  /** Whether this failure may pass if tried again. */
  readonly shouldRetry: (error: unknown) => boolean;
  /** Called before each backoff sleep. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  readonly attempt: (attempt: number) => Promise<T>;
}

export class RetriesExhausted extends Error {
  readonly attempts: number;
  readonly last: unknown;

  constructor(attempts: number, last: unknown) {
    super(`gave up after ${attempts} attempts`);
    this.name = 'RetriesExhausted';
    this.attempts = attempts;
    this.last = last;
  }
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts run out.
 * Throws the error itself when `shouldRetry` says no, `RetriesExhausted` when the attempts run out,
 * and the signal's reason when it aborts (between attempts too).
 */
export async function withRetries<T>(options: RetryOptions<T>): Promise<T> {
  const { policy, clock, signal } = options;
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    try {
      return await options.attempt(attempt);
    } catch (error) {
      signal.throwIfAborted();
      if (!options.shouldRetry(error)) throw error;
      if (attempt >= policy.maxAttempts) throw new RetriesExhausted(attempt, error);
      const delayMs = backoffDelayMs(attempt, policy, options.random);
      options.onRetry?.(error, attempt, delayMs);
      await clock.sleep(delayMs, signal);
    }
  }
}
