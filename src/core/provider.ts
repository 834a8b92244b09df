import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Clock } from './clock.ts';
import type { Credential } from './credential.ts';
import type { ConfigIssue } from './errors.ts';

/** What a provider gets from regcred when it is built. Every I/O seam is here, so tests pass fakes. */
export interface ProviderContext {
  /** A child logger already bound to this registry entry. */
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * The undici dispatcher for every outbound HTTP call a provider makes itself. HTTP(S)_PROXY,
   * NO_PROXY and the extra CA bundle are already applied to it.
   */
  readonly dispatcher: Dispatcher;
  /** The process environment (or a test's). Providers read env through this, never `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Folder that relative paths in the config are resolved against. */
  readonly configDir: string;
  /** Registers a secret value so that it is scrubbed from every log line, wherever it appears. */
  readonly registerSecret: (secret: string) => void;
}

export interface GetCredentialOptions {
  /** Aborts the fetch; providers pass it to every outbound call. */
  readonly signal: AbortSignal;
}

/**
 * A live provider instance, built from one `registries[]` entry of the config.
 *
 * `getCredential` throws `RegcredError` with code `ERR_CREDENTIAL_AUTH` (identity rejected, not
 * retried), `ERR_CREDENTIAL_FETCH` / `ERR_CREDENTIAL_THROTTLED` / `ERR_TIMEOUT` (may pass, retried by the
 * caller), `ERR_CREDENTIAL_INVALID` (the source answered garbage) or `ERR_CREDENTIAL_SOURCE` (a local file or
 * variable is missing). Errors name the registry and the identity used, never a secret.
 */
export interface RegistryProvider {
  /** The provider id (`ecr`, `google`, `acr`, `static`, or an external one). */
  readonly id: string;
  getCredential(registryHost: string, options: GetCredentialOptions): Promise<Credential>;
  /**
   * Hosts whose credentials come from one identity share one key, so one fetch serves them all
   * (ECR: account + region + identity). Defaults to the host itself.
   */
  cacheKey?(registryHost: string): string;
  /** Concrete registry hosts this entry serves when the config lists none (discovery). */
  discoverHosts?(options: GetCredentialOptions): Promise<string[]>;
  /** Releases sockets, timers, file watchers. */
  close?(): Promise<void>;
}

export type ConfigValidation<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * What a provider module exports: a factory that validates its own config (separately from building
 * anything) and creates instances. Built-in providers live under `providers/<id>`; a third-party package
 * exports one as its default export or as `provider`.
 */
export interface ProviderFactory<TConfig = unknown> {
  /** Stable id used in config (`provider: ecr`). Lower case letters, digits and dashes. */
  readonly id: string;
  /** One line for `regcred providers` and error messages. */
  readonly description: string;
  /**
   * Validates the provider-specific part of one `registries[]` entry: the entry minus the common keys
   * (`provider`, `name`, `hosts`, `refresh`, `timeout`). Issue paths are relative to that object.
   * Never throws for bad input; never does I/O.
   */
  validateConfig(raw: Readonly<Record<string, unknown>>): ConfigValidation<TConfig>;
  /** Builds an instance. Must not do network I/O; may throw `ERR_CONFIG_INVALID`. */
  create(config: TConfig, context: ProviderContext): RegistryProvider;
  /**
   * Whether this provider can find its hosts itself (`discoverHosts`), so `hosts:` may be left out.
   * When false or absent, the config must list `hosts`.
   */
  readonly canDiscoverHosts?: boolean;
}

/** Identity of a factory for type inference: `export default defineProvider({...})`. */
export function defineProvider<TConfig>(factory: ProviderFactory<TConfig>): ProviderFactory<TConfig> {
  return factory;
}
