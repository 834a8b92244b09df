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
  /** Releases provider resources. */
  close(): Promise<void>;
}
