import type { Logger } from 'pino';
import type { Clock } from '../../src/core/clock.ts';
import { ErrorCode, isRegcredError, RegcredError } from '../../src/core/errors.ts';
import { AttemptTimeoutError, withRetries } from '../../src/core/retry.ts';
import { classifyFailure, type FailureContext, failurePrefix } from './errors.ts';

/** First backoff window and its cap (full jitter, doubling per retry). */
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;

export interface GoogleRetryOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Time limit of one attempt; measured on `clock`. */
  readonly attemptTimeoutMs: number;
  /** [0, 1): the jitter source, injectable so tests are deterministic. */
  readonly random?: () => number;
  readonly signal: AbortSignal;
  readonly failure: FailureContext;
}

/**
 * Runs `attempt` (each on its own signal, bounded by `attemptTimeoutMs`) until it succeeds, fails for
 * good, runs out of attempts, or `signal` aborts. Throws RegcredError: the classified last failure,
 * `ERR_TIMEOUT` when the last attempt timed out, `ERR_ABORTED` when `signal` aborted.
 */
export function withGoogleRetries<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: GoogleRetryOptions,
): Promise<T> {
  const { failure, logger } = options;
  const details = { registry: failure.registry, identity: failure.identity };
  return withRetries((_attempt, signal) => attempt(signal), {
    policy: { attempts: options.maxAttempts, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS },
    clock: options.clock,
    signal: options.signal,
    ...(options.random === undefined ? {} : { random: options.random }),
    attemptTimeoutMs: options.attemptTimeoutMs,
    classify: (thrown) =>
      thrown instanceof AttemptTimeoutError
        ? new RegcredError(
            ErrorCode.Timeout,
            `${failurePrefix(failure)}: no answer within ${thrown.timeoutMs} ms`,
            { details },
          )
        : classifyFailure(thrown, failure),
    onRetry: (error, attempt, delay) =>
      logger.warn(
        { err: error, attempt, retryInMs: delay, registry: failure.registry },
        'Google token request failed, retrying',
      ),
    onExhausted: (error, attempts) =>
      isRegcredError(error) && attempts > 1
        ? new RegcredError(error.code, `${error.message} (gave up after ${attempts} attempts)`, {
            cause: error,
            details: { ...error.details, attempts },
          })
        : error,
    onAbort: () => new RegcredError(ErrorCode.Aborted, `${failurePrefix(failure)}: cancelled`, { details }),
  });
}
