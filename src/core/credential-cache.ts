import type { Clock } from './clock.ts';
import { type Credential, isExpired, isUsableReplacement } from './credential.ts';
import { ErrorCode, RegcredError } from './errors.ts';
import { backoffDelay, type RefreshPolicy, refreshAt } from './refresh-policy.ts';

export type CredentialFetcher = (signal: AbortSignal) => Promise<Credential>;

export interface CacheGetOptions {
  readonly policy: RefreshPolicy;
  /** Bounds one fetch; shared by every caller waiting on it. */
  readonly timeoutMs: number;
  /** Stops this caller waiting; the shared fetch goes on for the others. */
  readonly signal?: AbortSignal | undefined;
  /** Ignore freshness (e.g. the registry answered 401 to the cached password). Backoff still applies. */
  readonly forceRefresh?: boolean | undefined;
}

/** What the cache knows about one key, for readiness checks and metrics. No secrets. */
export interface CacheEntryState {
  readonly expiresAt: Date | null;
  readonly fetchedAt: number | null;
  readonly refreshAt: number | null;
  readonly consecutiveFailures: number;
  readonly lastError: RegcredError | null;
  readonly nextAttemptAt: number;
}

export interface CredentialCacheOptions {
  readonly clock: Clock;
  readonly backoff?: { initialMs: number; maxMs: number };
  readonly random?: () => number;
  /** Called with every credential accepted into the cache (e.g. to register its password for scrubbing). */
  readonly onCredential?: (credential: Credential) => void;
  /** Called when a refresh failed but a still-valid credential keeps being served. */
  readonly onStaleServed?: (key: string, error: RegcredError) => void;
}

interface Entry {
  credential: Credential | undefined;
  fetchedAt: number | null;
  refreshAt: number | null;
  inflight: Promise<Credential> | undefined;
  failures: number;
  lastError: RegcredError | null;
  nextAttemptAt: number;
}

/**
 * Credentials by key (a provider identity). Concurrent callers share one fetch; a credential is replaced
 * before it expires; a failed refresh keeps the last good credential until it really expires, and the next
 * attempt waits out a jittered backoff so a broken cloud is not hammered.
 */
export class CredentialCache {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #backoff: { initialMs: number; maxMs: number };
  readonly #random: () => number;
  readonly #onCredential: ((credential: Credential) => void) | undefined;
  readonly #onStaleServed: ((key: string, error: RegcredError) => void) | undefined;

  constructor(options: CredentialCacheOptions) {
    this.#clock = options.clock;
    this.#backoff = options.backoff ?? { initialMs: 1_000, maxMs: 5 * 60_000 };
    this.#random = options.random ?? Math.random;
    this.#onCredential = options.onCredential;
    this.#onStaleServed = options.onStaleServed;
  }

  /** Throws the fetch's RegcredError when no usable credential exists. */
  async get(key: string, fetcher: CredentialFetcher, options: CacheGetOptions): Promise<Credential> {
    const entry = this.#entry(key);
    const now = this.#clock.now();
    const current =
      entry.credential !== undefined && !isExpired(entry.credential, now) ? entry.credential : undefined;
    const fresh = current !== undefined && entry.refreshAt !== null && now < entry.refreshAt;
    if (fresh && !options.forceRefresh) return current;
    if (entry.inflight === undefined && now < entry.nextAttemptAt) {
      if (current !== undefined) return current;
      throw (
        entry.lastError ?? new RegcredError(ErrorCode.CredentialFetch, `credential for ${key} is backing off`)
      );
    }
    entry.inflight ??= this.#fetch(key, entry, fetcher, options);
    try {
      return await waitFor(entry.inflight, options.signal);
    } catch (error) {
      const stillValid = entry.credential !== undefined && !isExpired(entry.credential, this.#clock.now());
      if (stillValid && !options.signal?.aborted && entry.credential !== undefined) {
        this.#onStaleServed?.(key, asRegcredError(error, key));
        return entry.credential;
      }
      throw error;
    }
  }

  state(key: string): CacheEntryState | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    return {
      expiresAt: entry.credential?.expiresAt ?? null,
      fetchedAt: entry.fetchedAt,
      refreshAt: entry.refreshAt,
      consecutiveFailures: entry.failures,
      lastError: entry.lastError,
      nextAttemptAt: entry.nextAttemptAt,
    };
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = {
        credential: undefined,
        fetchedAt: null,
        refreshAt: null,
        inflight: undefined,
        failures: 0,
        lastError: null,
        nextAttemptAt: 0,
      };
      this.#entries.set(key, entry);
    }
    return entry;
  }

  async #fetch(
    key: string,
    entry: Entry,
    fetcher: CredentialFetcher,
    options: CacheGetOptions,
  ): Promise<Credential> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const candidate = await fetcher(timeout).catch((error: unknown) => {
        if (timeout.aborted) {
          throw new RegcredError(
            ErrorCode.Timeout,
            `fetching the credential for ${key} took longer than ${options.timeoutMs} ms`,
            {
              cause: error,
            },
          );
        }
        throw error;
      });
      const now = this.#clock.now();
      if (!isUsableReplacement(candidate, entry.credential, now)) {
        throw new RegcredError(
          ErrorCode.CredentialInvalid,
          `the provider for ${key} returned an empty, expired or older credential; keeping the current one`,
        );
      }
      entry.credential = candidate;
      entry.fetchedAt = now;
      entry.refreshAt = refreshAt(candidate, now, options.policy);
      entry.failures = 0;
      entry.lastError = null;
      entry.nextAttemptAt = 0;
      this.#onCredential?.(candidate);
      return candidate;
    } catch (error) {
      const wrapped = asRegcredError(error, key);
      entry.failures += 1;
      entry.lastError = wrapped;
      entry.nextAttemptAt = this.#clock.now() + backoffDelay(entry.failures, this.#backoff, this.#random);
      throw wrapped;
    } finally {
      entry.inflight = undefined;
    }
  }
}

function asRegcredError(error: unknown, key: string): RegcredError {
  if (error instanceof RegcredError) return error;
  return new RegcredError(ErrorCode.CredentialFetch, `fetching the credential for ${key} failed`, {
    cause: error,
  });
}

function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): RegcredError {
  return new RegcredError(ErrorCode.Aborted, 'the credential request was cancelled', {
    cause: signal.reason,
  });
}
