import type { Credential } from '../../src/core/credential.ts';
import type {
  CredentialRequestOptions,
  CredentialSource,
  IdentityStatus,
  RegistryEntry,
} from '../../src/core/credential-source.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';

/** Static username/password per registry host, counting every call. */
export class FakeCredentialSource implements CredentialSource {
  readonly registries: RegistryEntry[];
  readonly calls: { host: string; forceRefresh: boolean }[] = [];
  /** What `status()` reports; tests set it to model failing identities. */
  statuses: IdentityStatus[] = [];
  readonly #credentials: Map<string, { username: string; password: string }>;

  constructor(credentials: Record<string, { username: string; password: string }>) {
    this.#credentials = new Map(Object.entries(credentials));
    this.registries = Object.keys(credentials).map((host) => ({
      name: host,
      providerId: 'static',
      hosts: [host],
    }));
  }

  match(registryHost: string): RegistryEntry | undefined {
    return this.registries.find((entry) => entry.hosts.includes(registryHost));
  }

  async getCredential(registryHost: string, options: CredentialRequestOptions = {}): Promise<Credential> {
    this.calls.push({ host: registryHost, forceRefresh: options.forceRefresh === true });
    const found = this.#credentials.get(registryHost);
    if (found === undefined) {
      throw new RegcredError(ErrorCode.RegistryNotConfigured, `no registry entry serves ${registryHost}`);
    }
    return { ...found, expiresAt: null, hosts: [registryHost], source: 'fake' };
  }

  async listHosts(): Promise<{ entry: RegistryEntry; hosts: string[] }[]> {
    return this.registries.map((entry) => ({ entry, hosts: [...entry.hosts] }));
  }

  status(): IdentityStatus[] {
    return this.statuses;
  }

  async close(): Promise<void> {}
}
