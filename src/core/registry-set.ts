import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { Credential } from './credential.ts';
import { CredentialCache } from './credential-cache.ts';
import type {
  CredentialRequestOptions,
  CredentialSource,
  IdentityStatus,
  RegistryEntry,
} from './credential-source.ts';
import { ErrorCode, RegcredError } from './errors.ts';
import { imagePatternMatches, isConcreteHost, parseHostPattern } from './image-pattern.ts';
import type { RegistryProvider } from './provider.ts';
import { credentialProblems } from './provider-contract.ts';
import type { RefreshPolicy } from './refresh-policy.ts';

/** A registry entry with its live provider instance. */
export interface BuiltRegistry {
  readonly entry: RegistryEntry;
  readonly provider: RegistryProvider;
  readonly refresh: RefreshPolicy;
  readonly timeoutMs: number;
}

export interface RegistrySetOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called for every credential accepted, so its password is scrubbed from logs. */
  readonly registerSecret: (secret: string) => void;
}

/**
 * The configured registries behind one credential cache: the `CredentialSource` every mode uses.
 * An entry's hosts are tried in config order; the first entry with a matching pattern serves the host.
 */
export class RegistrySet implements CredentialSource {
  readonly registries: readonly RegistryEntry[];
  readonly #built: readonly BuiltRegistry[];
  readonly #cache: CredentialCache;
  readonly #logger: Logger;
  /** Hosts found by providers that discover them, by entry name. */
  readonly #discovered = new Map<string, Set<string>>();
  #discovery: Promise<unknown> | undefined;

  constructor(built: readonly BuiltRegistry[], options: RegistrySetOptions) {
    this.#built = built;
    this.registries = built.map((b) => b.entry);
    this.#logger = options.logger;
    this.#cache = new CredentialCache({
      clock: options.clock,
      onCredential: (credential) => options.registerSecret(credential.password),
      onStaleServed: (key, error) =>
        this.#logger.warn(
          { identity: key, err: error },
          'refreshing a credential failed; serving the previous one until it expires',
        ),
    });
  }

  match(hostOrImage: string): RegistryEntry | undefined {
    return this.#find(hostOrImage)?.entry;
  }

  async getCredential(hostOrImage: string, options: CredentialRequestOptions = {}): Promise<Credential> {
    const host = hostOf(hostOrImage);
    let built = this.#find(hostOrImage);
    if (
      built === undefined &&
      this.#built.some((b) => b.provider.discoverHosts) &&
      this.#discovery === undefined
    ) {
      // First request for an unknown host: let discovering providers say which hosts they serve.
      this.#discovery = this.listHosts(options).catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'host discovery failed');
        this.#discovery = undefined;
      });
      await this.#discovery;
      built = this.#find(hostOrImage);
    }
    if (built === undefined) {
      throw new RegcredError(
        ErrorCode.RegistryNotConfigured,
        `no configured registry serves ${host}; configured hosts: ${this.registries.flatMap((r) => r.hosts).join(', ') || '(none)'}`,
        { details: { registry: host } },
      );
    }
    const key = `${built.entry.name}|${built.provider.cacheKey?.(host) ?? host}`;
    const credential = await this.#cache.get(key, (signal) => this.#fetch(built, host, signal), {
      policy: built.refresh,
      timeoutMs: built.timeoutMs,
      signal: options.signal,
      forceRefresh: options.forceRefresh,
    });
    // One identity serves every host with its cache key, even when the provider listed only the first.
    return credential.hosts.includes(host)
      ? credential
      : { ...credential, hosts: [...credential.hosts, host] };
  }

  async listHosts(
    options: CredentialRequestOptions = {},
  ): Promise<{ entry: RegistryEntry; hosts: string[] }[]> {
    const signal = options.signal ?? new AbortController().signal;
    return Promise.all(
      this.#built.map(async (built) => {
        const hosts = built.entry.hosts.filter(isConcreteHost).map((h) => parseHostPattern(h).key);
        if (built.provider.discoverHosts) {
          for (const found of await built.provider.discoverHosts({ signal })) {
            const lower = found.toLowerCase();
            if (!hosts.includes(lower)) hosts.push(lower);
          }
          this.#discovered.set(built.entry.name, new Set(hosts));
        }
        return { entry: built.entry, hosts };
      }),
    );
  }

  /** Every identity fetched so far, with its expiry and failure state. */
  status(): IdentityStatus[] {
    return this.#cache.keys().flatMap((key) => {
      const state = this.#cache.state(key);
      if (state === undefined) return [];
      return [{ ...state, registry: key.slice(0, key.indexOf('|')), key }];
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#built.map((b) => b.provider.close?.()));
  }

  #find(hostOrImage: string): BuiltRegistry | undefined {
    const subject = hostOrImage.toLowerCase();
    const host = hostOf(subject);
    return this.#built.find(
      (b) =>
        b.entry.hosts.some((pattern) => imagePatternMatches(pattern, subject)) ||
        this.#discovered.get(b.entry.name)?.has(host) === true,
    );
  }

  async #fetch(built: BuiltRegistry, host: string, signal: AbortSignal): Promise<Credential> {
    const credential = await built.provider.getCredential(host, { signal });
    const problems = credentialProblems(credential, host);
    if (problems.length > 0) {
      throw new RegcredError(
        ErrorCode.CredentialInvalid,
        `provider "${built.provider.id}" returned an unusable credential for ${host}: ${problems.join('; ')}`,
        { details: { registry: host, provider: built.provider.id } },
      );
    }
    return credential;
  }
}

function hostOf(hostOrImage: string): string {
  const slash = hostOrImage.indexOf('/');
  return (slash === -1 ? hostOrImage : hostOrImage.slice(0, slash)).toLowerCase();
}
