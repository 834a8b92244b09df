import type { Credential } from './credential.ts';

/** One `registries[]` entry as the modes see it (no secrets). */
export interface RegistryEntry {
  /** Unique name: the config's `name`, else the first host, else `<provider>-<index>`. */
  readonly name: string;
  readonly providerId: string;
  /** Host patterns (kubelet matchImages language) this entry serves, in config order. */
  readonly hosts: readonly string[];
}

export interface CredentialRequestOptions {
  readonly signal?: AbortSignal;
  /** Skip the cache's fresh copy and fetch now (the cache still coalesces concurrent calls). */
  readonly forceRefresh?: boolean;
}

/**
 * What every mode (sync, proxy, kubelet plugin, credential helper) asks for credentials: the configured
 * registries, each behind the shared credential cache. One fetch per provider identity serves all callers.
 */
export interface CredentialSource {
  readonly registries: readonly RegistryEntry[];
  /** The entry that serves this registry host (first match in config order), or undefined. */
  match(registryHost: string): RegistryEntry | undefined;
  /**
   * A fresh credential for `registryHost`. Throws `ERR_REGISTRY_NOT_CONFIGURED` when no entry matches,
   * otherwise the provider's error when no usable credential (cached or fetched) exists.
   */
  getCredential(registryHost: string, options?: CredentialRequestOptions): Promise<Credential>;
  /**
   * Concrete registry hosts (no glob characters) of every entry, plus hosts found by providers that
   * discover them. Sync writes exactly these into `.dockerconfigjson`.
   */
  listHosts(options?: CredentialRequestOptions): Promise<{ entry: RegistryEntry; hosts: string[] }[]>;
  /** Every identity fetched so far, with its expiry and failure state (no secrets). Optional for fakes. */
  status?(): IdentityStatus[];
  /** Releases provider resources. */
  close(): Promise<void>;
}

/** The state of one cached identity, for readiness checks and metrics. */
export interface IdentityStatus {
  /** The registry entry's name. */
  readonly registry: string;
  /** The cache key: entry name and the provider's identity key. */
  readonly key: string;
  readonly expiresAt: Date | null;
  readonly fetchedAt: number | null;
  readonly refreshAt: number | null;
  readonly consecutiveFailures: number;
  readonly lastError: { readonly code: string; readonly message: string } | null;
  readonly nextAttemptAt: number;
}

/**
 * Whether every identity asked for so far can still answer: one whose last fetch failed and that holds no
 * unexpired credential makes pulls through it fail. Identities never asked for do not count.
 */
export function credentialHealth(
  statuses: readonly IdentityStatus[],
  now: number,
): { readonly healthy: boolean; readonly reason: string } {
  const broken = statuses.filter((s) => {
    if (s.lastError === null) return false;
    const valid = s.fetchedAt !== null && (s.expiresAt === null || s.expiresAt.getTime() > now);
    return !valid;
  });
  if (broken.length === 0) return { healthy: true, reason: `${statuses.length} identities fresh` };
  return {
    healthy: false,
    reason: broken.map((s) => `${s.registry}: ${s.lastError?.code ?? 'failing'}`).join('; '),
  };
}
