import type { Clock } from './clock.ts';
import { ErrorCode, isRegcredError, RegcredError } from './errors.ts';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  /** Cap of the first backoff window; doubles per retry. */
  readonly baseDelayMs: number;
  /** No backoff window (and no Retry-After floor) grows past this. */
  readonly maxDelayMs: number;
}

export interface RetryOptions {
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
  /** Whether a (classified) failure may pass if tried again; default: a retryable RegcredError. */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** The server's Retry-After for this failure, a floor under the jittered wait. */
  readonly retryAfterMs?: (error: unknown) => number | undefined;
  /** Time limit of one attempt, measured on `clock`; a late attempt fails with `AttemptTimeoutError`. */
  readonly attemptTimeoutMs?: number;
  /** Maps each failure (an `AttemptTimeoutError` too) before it is judged, logged and thrown. */
  readonly classify?: (error: unknown) => unknown;
  /** Called before each wait, for a log line. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** What to throw when a retryable failure used the last attempt; default: that failure. */
  readonly onExhausted?: (error: unknown, attempts: number) => unknown;
  /** What to throw once `signal` aborted; default: `ERR_ABORTED` with the reason as cause. */
  readonly onAbort?: (reason: unknown) => unknown;
}

/** An attempt outlived `attemptTimeoutMs`; its own signal was aborted with this error. */
export class AttemptTimeoutError extends Error {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * "Full jitter" (AWS Architecture Blog, 2015): the wait before retry number `attempt` (1-based) is
 * uniform in [0, min(max, base·2^(n−1))), which spreads a burst of clients better than a fixed or
 * equal-jitter delay; never shorter than the server's Retry-After (capped at `maxDelayMs`).
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
 * Runs `operation` until it succeeds, fails for good (`shouldRetry` says no), or the attempts run out;
 * waits on the injected clock between attempts. Throws the classified failure as it is (a throttled
 * one keeps `ERR_CREDENTIAL_THROTTLED`), `onExhausted`'s error when the attempts ran out, and
 * `onAbort`'s error when `signal` aborts (checked before each attempt, after each failure and while
 * waiting).
 */
export async function withRetries<T>(
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { policy, clock, signal } = options;
  const random = options.random ?? Math.random;
  const shouldRetry = options.shouldRetry ?? isRetryableRegcredError;
  const onAbort = options.onAbort ?? abortedWhileRetrying;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw onAbort(signal.reason);
    let error: unknown;
    try {
      return await runAttempt(operation, attempt, options);
    } catch (thrown) {
      if (signal.aborted) throw onAbort(signal.reason);
      error = options.classify ? options.classify(thrown) : thrown;
    }
    if (!shouldRetry(error)) throw error;
    if (attempt >= policy.attempts) throw options.onExhausted ? options.onExhausted(error, attempt) : error;
    const delay = backoffDelay(policy, attempt, random(), options.retryAfterMs?.(error));
    options.onRetry?.(error, attempt, delay);
    try {
      await clock.sleep(delay, signal);
    } catch (reason) {
      throw onAbort(signal.aborted ? signal.reason : reason);
    }
  }
}

/** One attempt, on its own signal: aborted by the caller's signal, or by the attempt timeout. */
async function runAttempt<T>(
  operation: (attempt: number, signal: AbortSignal) => Promise<T>,
  attempt: number,
  options: RetryOptions,
): Promise<T> {
  const timeoutMs = options.attemptTimeoutMs;
  if (timeoutMs === undefined) return operation(attempt, options.signal);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  const timeout = new AttemptTimeoutError(timeoutMs);
  const timer = new AbortController();
  options.clock.sleep(timeoutMs, timer.signal).then(
    () => controller.abort(timeout),
    () => {},
  );
  try {
    return await operation(attempt, controller.signal);
  } catch (error) {
    // Whatever the operation made of its aborted signal, the reason is the timeout.
    if (controller.signal.reason === timeout) throw timeout;
    throw error;
  } finally {
    timer.abort();
    options.signal.removeEventListener('abort', onOuterAbort);
  }
}

function isRetryableRegcredError(error: unknown): boolean {
  return isRegcredError(error) && error.retryable;
}

function abortedWhileRetrying(reason: unknown): RegcredError {
  return new RegcredError(ErrorCode.Aborted, 'cancelled while retrying', { cause: reason, retryable: false });
}
