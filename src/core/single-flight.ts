import { ErrorCode, RegcredError } from './errors.ts';

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  waiters: number;
}

/**
 * Coalesces concurrent calls per key into one run. Each caller may abort its own wait; the shared run
 * is aborted only when every caller waiting on it has given up.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Flight<T>>();

  /** Number of runs in progress (for tests and metrics). */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the run for `key`, starting `run` when there is none. Rejects with the run's error, or, when
   * `signal` aborts first, with `cancelled(signal.reason)` (default: `ERR_ABORTED`).
   */
  run(
    key: string,
    signal: AbortSignal,
    run: (signal: AbortSignal) => Promise<T>,
    cancelled: (reason: unknown) => unknown = aborted,
  ): Promise<T> {
    if (signal.aborted) return Promise.reject(cancelled(signal.reason));
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const started: Flight<T> = {
        controller,
        waiters: 0,
        promise: Promise.resolve()
          .then(() => run(controller.signal))
          .finally(() => {
            if (this.#flights.get(key) === started) this.#flights.delete(key);
          }),
      };
      // The run may reject after every waiter left; that rejection is nobody's to handle.
      started.promise.catch(() => {});
      this.#flights.set(key, started);
      flight = started;
    }
    const joined = flight;
    joined.waiters++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        joined.waiters--;
        return true;
      };
      const onAbort = () => {
        if (!leave()) return;
        if (joined.waiters === 0) this.#abandon(key, joined, signal.reason);
        reject(cancelled(signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          if (leave()) resolve(value);
        },
        (error: unknown) => {
          if (leave()) reject(error);
        },
      );
    });
  }

  /** Aborts every run in progress (on close); its waiters get whatever the run rejects with. */
  abortAll(reason?: unknown): void {
    for (const [key, flight] of [...this.#flights]) this.#abandon(key, flight, reason);
  }

  #abandon(key: string, flight: Flight<T>, reason: unknown): void {
    // A later caller must start afresh, not join a cancelled run.
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
    flight.controller.abort(reason);
  }
}

function aborted(reason: unknown): RegcredError {
  return new RegcredError(ErrorCode.Aborted, 'credential fetch was cancelled', {
    cause: reason,
    retryable: false,
  });
}
