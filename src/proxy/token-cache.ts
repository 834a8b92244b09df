import type { Clock } from '../core/clock.ts';
import { SingleFlight } from '../core/single-flight.ts';

/** A bearer token as the token endpoint returned it. */
export interface FetchedToken {
  readonly token: string;
  /** Seconds; missing means 60 (PROTOCOLS §6). */
  readonly expiresIn?: number | undefined;
}

export interface TokenCacheOptions {
  readonly clock: Clock;
  /** A token never counts as living less than this (PROTOCOLS §6: 60 s). */
  readonly minLifetimeMs?: number;
  /** Renew this long before the token's expiry, so a pull never starts with a token about to die. */
  readonly renewBeforeMs?: number;
  /** Called with `true` on a cache hit and `false` when a fetch starts (for metrics). */
  readonly onLookup?: (key: string, hit: boolean) => void;
}

/** For callers that have nothing to cancel with. */
const NEVER_ABORTED = new AbortController().signal;

interface Entry {
  readonly token: string;
  readonly renewAt: number;
}

/**
 * Bearer tokens keyed by (registry, scope). Concurrent misses for one key share one fetch (core's
 * SingleFlight: a caller that gives up leaves the fetch running for the others); a failed fetch is not
 * cached. The request path only reads the map unless the token is missing or due.
 */
export class TokenCache {
  readonly #clock: Clock;
  readonly #minLifetimeMs: number;
  readonly #renewBeforeMs: number;
  readonly #onLookup: ((key: string, hit: boolean) => void) | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #flights = new SingleFlight<string>();

  constructor(options: TokenCacheOptions) {
    this.#clock = options.clock;
    this.#minLifetimeMs = options.minLifetimeMs ?? 60_000;
    this.#renewBeforeMs = options.renewBeforeMs ?? 10_000;
    this.#onLookup = options.onLookup;
  }

  static key(registry: string, scope: string): string {
    return `${registry} ${scope}`;
  }

  /** The cached token for `key` when fresh (a hit), else undefined. Never fetches. */
  peek(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || this.#clock.now() >= entry.renewAt) return undefined;
    this.#onLookup?.(key, true);
    return entry.token;
  }

  /**
   * The cached token for `key`, or one fetched with `fetch` (shared by concurrent callers). `signal` ends
   * this caller's wait; the fetch itself is aborted only when every caller waiting on it has gone.
   */
  get(
    key: string,
    fetch: (signal: AbortSignal) => Promise<FetchedToken>,
    signal: AbortSignal = NEVER_ABORTED,
  ): Promise<string> {
    const entry = this.#entries.get(key);
    if (entry !== undefined && this.#clock.now() < entry.renewAt) {
      this.#onLookup?.(key, true);
      return Promise.resolve(entry.token);
    }
    return this.#flights.run(key, signal, async (fetchSignal) => {
      this.#onLookup?.(key, false);
      const fetched = await fetch(fetchSignal);
      const lifetimeMs = Math.max(this.#minLifetimeMs, (fetched.expiresIn ?? 60) * 1000);
      // Renew early, but never so early that a short-lived token is refetched on every request.
      const renewIn = Math.max(lifetimeMs - this.#renewBeforeMs, lifetimeMs / 2);
      this.#entries.set(key, { token: fetched.token, renewAt: this.#clock.now() + renewIn });
      return fetched.token;
    });
  }

  /** Drops `token` for `key` (an upstream 401 proved it dead); a newer token stays. */
  invalidate(key: string, token: string): void {
    if (this.#entries.get(key)?.token === token) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
