import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { type Credential, isExpired, isUsableReplacement } from '../core/credential.ts';
import type { CredentialSource, RegistryEntry } from '../core/credential-source.ts';
import { ErrorCode, errorMessage, RegcredError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import type { SecretScrubber } from '../core/redaction.ts';
import { type AuthEntry, authsKey } from './docker-config.ts';
import { isRotation } from './refresh-schedule.ts';

/** One registry entry's state: its concrete hosts and the last good credential per host. */
export interface RegistryState {
  readonly entry: RegistryEntry;
  hosts: string[];
  /** Last good credential per host (one credential usually covers every host of the entry). */
  readonly credentials: Map<string, Credential>;
  fetchedAt: number;
  failures: number;
  lastError: RegcredError | undefined;
}

export interface RefreshOutcome {
  readonly registry: string;
  readonly ok: boolean;
  /** A different credential than before was taken (Secrets must be rewritten). */
  readonly rotated: boolean;
  readonly error?: RegcredError;
}

export interface TargetCredentials {
  readonly entries: AuthEntry[];
  /** `auths` keys of registries without a usable credential: what Secrets hold for them is kept. */
  readonly unavailableKeys: Set<string>;
  readonly failedRegistries: string[];
}

export interface CredentialSetOptions {
  readonly source: CredentialSource;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Fetched passwords are registered here so no log line can carry them. */
  readonly scrubber?: SecretScrubber;
}

/**
 * The credentials sync writes, fetched through the shared CredentialSource: one fetch per registry
 * entry (a credential covering several hosts is not fetched again per host), the last good one kept
 * when a refresh fails, and a replacement taken only if `isUsableReplacement` (never empty, expired or older).
 */
export class CredentialSet {
  readonly #source: CredentialSource;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #scrubber: SecretScrubber | undefined;
  readonly #states = new Map<string, RegistryState>();

  constructor(options: CredentialSetOptions) {
    this.#source = options.source;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
    this.#scrubber = options.scrubber;
    for (const entry of options.source.registries) {
      this.#states.set(entry.name, {
        entry,
        hosts: entry.hosts.filter((host) => !/[*?]/.test(host)),
        credentials: new Map(),
        fetchedAt: 0,
        failures: 0,
        lastError: undefined,
      });
    }
  }

  get registries(): RegistryState[] {
    return [...this.#states.values()];
  }

  state(name: string): RegistryState | undefined {
    return this.#states.get(name);
  }

  /** Refreshes every registry (or the named ones) concurrently. Never throws; see each outcome. */
  async refresh(
    options: { names?: readonly string[]; forceRefresh?: boolean; signal?: AbortSignal } = {},
  ): Promise<RefreshOutcome[]> {
    let listed: { entry: RegistryEntry; hosts: string[] }[] | undefined;
    try {
      listed = await this.#source.listHosts(options.signal ? { signal: options.signal } : {});
    } catch (error) {
      this.#logger.warn(
        { err: error },
        `listing registry hosts failed, using configured hosts: ${errorMessage(error)}`,
      );
    }
    for (const item of listed ?? []) {
      const state = this.#states.get(item.entry.name);
      if (state && item.hosts.length > 0)
        state.hosts = [...new Set(item.hosts.map((host) => host.toLowerCase()))];
    }
    const names = options.names ?? [...this.#states.keys()];
    return Promise.all(
      names.flatMap((name) => {
        const state = this.#states.get(name);
        return state ? [this.#refreshOne(state, options)] : [];
      }),
    );
  }

  async #refreshOne(
    state: RegistryState,
    options: { forceRefresh?: boolean; signal?: AbortSignal },
  ): Promise<RefreshOutcome> {
    const registry = state.entry.name;
    const now = this.#clock.now();
    let rotated = false;
    const covered = new Map<string, Credential>();
    try {
      if (state.hosts.length === 0) {
        throw new RegcredError(
          ErrorCode.RegistryNotConfigured,
          `registry ${registry} has no concrete host to write`,
          {
            retryable: false,
            details: { registry },
          },
        );
      }
      for (const host of state.hosts) {
        if (covered.has(host)) continue;
        const credential = await this.#source.getCredential(host, {
          ...(options.forceRefresh ? { forceRefresh: true } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
        this.#scrubber?.add(credential.password);
        for (const other of [host, ...credential.hosts.map((h) => h.toLowerCase())]) {
          if (state.hosts.includes(other) && !covered.has(other)) covered.set(other, credential);
        }
      }
      for (const [host, credential] of covered) {
        const current = state.credentials.get(host);
        if (!isUsableReplacement(credential, current, now)) {
          throw new RegcredError(
            ErrorCode.CredentialInvalid,
            `registry ${registry} returned an empty, expired or older credential for ${host}`,
            {
              details: { registry, host },
            },
          );
        }
      }
      for (const [host, credential] of covered) {
        if (isRotation(state.credentials.get(host), credential)) rotated = true;
        state.credentials.set(host, credential);
      }
      for (const host of [...state.credentials.keys()])
        if (!state.hosts.includes(host)) state.credentials.delete(host);
      state.fetchedAt = now;
      state.failures = 0;
      state.lastError = undefined;
      return { registry, ok: true, rotated };
    } catch (error) {
      const wrapped =
        error instanceof RegcredError
          ? error
          : new RegcredError(
              ErrorCode.CredentialFetch,
              `fetching credentials for ${registry} failed: ${errorMessage(error)}`,
              {
                details: { registry },
              },
            );
      state.failures++;
      state.lastError = wrapped;
      return { registry, ok: false, rotated: false, error: wrapped };
    }
  }

  /** The earliest expiry among the registry's current credentials (null: long-lived; undefined: none). */
  expiresAt(name: string): Date | null | undefined {
    const state = this.#states.get(name);
    if (!state || state.credentials.size === 0) return undefined;
    let earliest: Date | null = null;
    for (const credential of state.credentials.values()) {
      if (credential.expiresAt && (earliest === null || credential.expiresAt < earliest))
        earliest = credential.expiresAt;
    }
    return earliest;
  }

  /** True when every registry has an unexpired credential for every host. */
  fresh(now: number): { fresh: boolean; reason: string } {
    for (const state of this.#states.values()) {
      const name = state.entry.name;
      if (state.credentials.size === 0)
        return { fresh: false, reason: `no credential yet for registry ${name}` };
      for (const [host, credential] of state.credentials) {
        if (isExpired(credential, now))
          return { fresh: false, reason: `credential for ${host} (registry ${name}) expired` };
      }
    }
    return { fresh: true, reason: 'credentials fresh' };
  }

  /** The `auths` entries a target carries now. Expired credentials are never handed out. */
  forTarget(registries: ReadonlySet<string>): TargetCredentials {
    const now = this.#clock.now();
    const entries: AuthEntry[] = [];
    const unavailableKeys = new Set<string>();
    const failedRegistries: string[] = [];
    for (const name of registries) {
      const state = this.#states.get(name);
      if (!state) continue;
      if (state.lastError) failedRegistries.push(name);
      for (const host of state.hosts) {
        const credential = state.credentials.get(host);
        if (credential && !isExpired(credential, now))
          entries.push({ key: authsKey(host), registry: name, credential });
        else unavailableKeys.add(authsKey(host));
      }
    }
    return { entries, unavailableKeys, failedRegistries };
  }
}
