import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';

/**
 * A deduplicating work queue like client-go's: a key is queued at most once, a key being processed
 * that is added again is processed once more afterwards (never twice at once), and failed keys come
 * back after a per-key backoff that `forget` resets.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, AbortController>();
  readonly #waiters: (() => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #shutDown = false;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  get length(): number {
    return this.#queue.length;
  }

  /** Nothing queued, nothing in flight, nothing waiting out a backoff. */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#processing.size === 0 && this.#delayed.size === 0;
  }

  add(key: string): void {
    if (this.#shutDown) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#waiters.shift()?.();
  }

  /** Adds `key` after `delayMs` (a later add of the same key meanwhile wins). */
  addAfter(key: string, delayMs: number): void {
    if (this.#shutDown) return;
    this.#delayed.get(key)?.abort();
    const controller = new AbortController();
    this.#delayed.set(key, controller);
    this.#clock.sleep(delayMs, controller.signal).then(
      () => {
        this.#delayed.delete(key);
        this.add(key);
      },
      () => {},
    );
  }

  recordFailure(key: string): number {
    const count = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, count);
    return count;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** The next key, or undefined once shut down. Mark it `done` when finished. */
  async get(): Promise<string | undefined> {
    while (this.#queue.length === 0) {
      if (this.#shutDown) return undefined;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#queued.delete(key);
    this.#processing.add(key);
    return key;
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
    if (this.idle) for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }

  /** Resolves when the queue is idle (used for "initial sync done"). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops handing out keys; `get` returns undefined to every worker. Pending delays are dropped. */
  shutDown(): void {
    this.#shutDown = true;
    for (const controller of this.#delayed.values()) controller.abort();
    this.#delayed.clear();
    for (const waiter of this.#waiters.splice(0)) waiter();
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }
}
