import type { Clock } from '../../src/core/clock.ts';
import type { Credential } from '../../src/core/credential.ts';
import type {
  CredentialRequestOptions,
  CredentialSource,
  RegistryEntry,
} from '../../src/core/credential-source.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';

export interface FakeRegistry {
  readonly name: string;
  readonly hosts: string[];
  /** Lifetime of each issued credential; null for long-lived. */
  readonly lifetimeMs: number | null;
}

/**
 * A CredentialSource like the real cache: one fetch per registry entry (covering all its hosts) until
 * the credential needs refreshing or `forceRefresh`. Tests rotate, fail or expire credentials and count fetches.
 */
export class FakeCredentialSource implements CredentialSource {
  readonly registries: RegistryEntry[];
  readonly #specs: Map<string, FakeRegistry>;
  readonly #clock: Clock;
  readonly #cache = new Map<string, Credential>();
  readonly #generation = new Map<string, number>();
  readonly #failing = new Map<string, RegcredError>();
  readonly fetches = new Map<string, number>();
  /** Every password ever issued, for assertNoSecrets. */
  readonly issued: string[] = [];

  constructor(registries: FakeRegistry[], clock: Clock) {
    this.#clock = clock;
    this.#specs = new Map(registries.map((r) => [r.name, r]));
    this.registries = registries.map((r) => ({ name: r.name, providerId: 'fake', hosts: r.hosts }));
  }

  match(host: string): RegistryEntry | undefined {
    return this.registries.find((r) => r.hosts.includes(host.toLowerCase()));
  }

  /** The next fetch of `name` returns a new password (and a later expiry). */
  rotate(name: string): void {
    this.#generation.set(name, (this.#generation.get(name) ?? 1) + 1);
    this.#cache.delete(name);
  }

  fail(name: string, status = 'ERR_CREDENTIAL_FETCH'): void {
    this.#failing.set(
      name,
      new RegcredError(ErrorCode.CredentialFetch, `fake ${name} is down (${status})`, {
        details: { registry: name },
      }),
    );
  }

  heal(name: string): void {
    this.#failing.delete(name);
  }

  totalFetches(): number {
    return [...this.fetches.values()].reduce((a, b) => a + b, 0);
  }

  password(name: string): string {
    return `pw-${name}-g${this.#generation.get(name) ?? 1}-0123456789abcdef`;
  }

  async getCredential(host: string, options: CredentialRequestOptions = {}): Promise<Credential> {
    const entry = this.match(host);
    if (!entry) throw new RegcredError(ErrorCode.RegistryNotConfigured, `no registry serves ${host}`);
    const spec = this.#specs.get(entry.name);
    if (!spec) throw new Error('unreachable');
    const cached = this.#cache.get(entry.name);
    const now = this.#clock.now();
    const stale = cached?.expiresAt ? cached.expiresAt.getTime() - now < (spec.lifetimeMs ?? 0) / 2 : false;
    if (cached && !stale && !options.forceRefresh) return cached;
    this.fetches.set(entry.name, (this.fetches.get(entry.name) ?? 0) + 1);
    const failure = this.#failing.get(entry.name);
    if (failure) throw failure;
    const credential: Credential = {
      username: `user-${entry.name}`,
      password: this.password(entry.name),
      expiresAt: spec.lifetimeMs === null ? null : new Date(now + spec.lifetimeMs),
      hosts: spec.hosts,
      source: `fake:${entry.name}`,
    };
    this.issued.push(credential.password);
    this.#cache.set(entry.name, credential);
    return credential;
  }

  async listHosts(): Promise<{ entry: RegistryEntry; hosts: string[] }[]> {
    return this.registries.map((entry) => ({ entry, hosts: [...entry.hosts] }));
  }

  async close(): Promise<void> {}
}
