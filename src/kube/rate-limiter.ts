import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';

export interface RateLimiterOptions {
  /** Sustained requests per second. */
  readonly qps: number;
  /** Requests allowed at once after a quiet period. */
  readonly burst: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  readonly clock?: Clock;
}

/**
 * The client-side API budget: a token bucket (qps, burst) in front of a semaphore (concurrency).
 * Tokens are reserved in call order (like Go's rate.Limiter: the bucket may go negative and the
 * caller sleeps off its debt), so waiters are served first come, first served without a timer per token.
 */
export class RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #concurrency: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: RateLimiterOptions) {
    this.#qps = options.qps;
    this.#burst = Math.max(1, options.burst);
    this.#concurrency = Math.max(1, options.concurrency);
    this.#clock = options.clock ?? systemClock;
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  /** How long the next caller must wait for a token, reserving it. Pure bookkeeping. */
  reserve(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens * 1000) / this.#qps;
  }

  /** Runs `call` once a token and a slot are free. Rejects with the signal's reason when aborted first. */
  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const delay = this.reserve();
    if (delay > 0) await this.#clock.sleep(delay, signal);
    await this.#acquire(signal);
    try {
      return await call();
    } finally {
      this.#release();
    }
  }

  /** A token only (for watches, which hold no slot while they stream). */
  async token(signal?: AbortSignal): Promise<void> {
    const delay = this.reserve();
    if (delay > 0) await this.#clock.sleep(delay, signal);
  }

  #acquire(signal?: AbortSignal): Promise<void> {
    if (this.#inFlight < this.#concurrency) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#inFlight++;
        resolve();
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    this.#inFlight--;
    this.#waiting.shift()?.();
  }
}
