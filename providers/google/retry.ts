import type { Logger } from 'pino';
import type { Clock } from '../../src/core/clock.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { classifyFailure, type FailureContext, failurePrefix } from './errors.ts';

export interface RetryOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Time limit of one attempt; measured on `clock`. */
  readonly attemptTimeoutMs: number;
  /** First backoff; doubles per attempt, capped at `maxDelayMs`, full jitter. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** [0, 1): the jitter source, injectable so tests are deterministic. */
  readonly random?: () => number;
  readonly signal: AbortSignal;
  readonly failure: FailureContext;
}

class AttemptTimeout extends Error {
  constructor() {
    super('attempt timed out');
    this.name = 'AttemptTimeout';
  }
}

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of attempts, or `signal` aborts.
 * Throws RegcredError: the classified last failure, `ERR_TIMEOUT` when the last attempt timed out,
 * `ERR_ABORTED` when `signal` aborted.
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { clock, signal, failure } = options;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 8_000;
  const random = options.random ?? Math.random;
  for (let number = 1; ; number++) {
    throwIfAborted(signal, failure);
    let error: RegcredError;
    try {
      return await runAttempt(attempt, options);
    } catch (thrown) {
      throwIfAborted(signal, failure);
      error =
        thrown instanceof AttemptTimeout
          ? new RegcredError(
              ErrorCode.Timeout,
              `${failurePrefix(failure)}: no answer within ${options.attemptTimeoutMs} ms`,
              { details: { registry: failure.registry, identity: failure.identity } },
            )
          : classifyFailure(thrown, failure);
    }
    if (!error.retryable || number >= options.maxAttempts) {
      if (number > 1 && error.retryable) {
        throw new RegcredError(error.code, `${error.message} (gave up after ${number} attempts)`, {
          cause: error,
          details: { ...error.details, attempts: number },
        });
      }
      throw error;
    }
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (number - 1));
    const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
    options.logger.warn(
      { err: error, attempt: number, retryInMs: delay, registry: failure.registry },
      'Google token request failed, retrying',
    );
    try {
      await clock.sleep(delay, signal);
    } catch {
      throwIfAborted(signal, failure);
    }
  }
}

async function runAttempt<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  let timedOut = false;
  const timer = new AbortController();
  options.clock.sleep(options.attemptTimeoutMs, timer.signal).then(
    () => {
      timedOut = true;
      controller.abort(new AttemptTimeout());
    },
    () => {},
  );
  try {
    return await attempt(controller.signal);
  } catch (error) {
    if (timedOut) throw new AttemptTimeout();
    throw error;
  } finally {
    timer.abort();
    options.signal.removeEventListener('abort', onOuterAbort);
  }
}

function throwIfAborted(signal: AbortSignal, failure: FailureContext): void {
  if (!signal.aborted) return;
  throw new RegcredError(ErrorCode.Aborted, `${failurePrefix(failure)}: cancelled`, {
    details: { registry: failure.registry, identity: failure.identity },
  });
}
