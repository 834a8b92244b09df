import { isAbsolute, resolve } from 'node:path';
import { fileStamp } from '../../src/core/changed-file.ts';
import type { Credential } from '../../src/core/credential.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import type { GetCredentialOptions, ProviderContext, RegistryProvider } from '../../src/core/provider.ts';
import { SingleFlight } from '../../src/core/single-flight.ts';
import { type AdcSettings, buildIdentity, findAdcSource, keyIdentity, type TokenIdentity } from './adc.ts';
import { CLOUD_PLATFORM_SCOPE, type GoogleConfig } from './config.ts';
import { createArtifactRegistryLister, discoverDockerHosts, type RepositoryLister } from './discovery.ts';
import { classifyFailure } from './errors.ts';
import { jsonKeyPassword, ServiceAccountKeySource } from './json-key.ts';
import { withGoogleRetries } from './retry.ts';
import { type AccessToken, ProviderTokenClient } from './token-client.ts';
import { createTransporter, currentRequestSignal, withRequestSignal } from './transport.ts';

export const OAUTH_USERNAME = 'oauth2accesstoken';

/** Seams beyond the ProviderContext, for tests. */
export interface GoogleProviderDeps {
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
  /** Builds the Artifact Registry lister; the real REST-fallback client by default. */
  readonly createLister?: typeof createArtifactRegistryLister;
}

/** Without an expiry from the server (should not happen), assume less than Google's 1 h maximum. */
const FALLBACK_LIFETIME_MS = 45 * 60 * 1000;

/**
 * GCR and Artifact Registry credentials. ADC mode: `oauth2accesstoken` + an access token, one token per
 * identity for every Google host, concurrent requests coalesced into one fetch. Key mode: `_json_key` +
 * the key JSON, long-lived.
 */
export class GoogleProvider implements RegistryProvider {
  readonly id = 'google';
  readonly #config: GoogleConfig;
  readonly #context: ProviderContext;
  readonly #deps: GoogleProviderDeps;
  readonly #transporter: ReturnType<typeof createTransporter>;
  readonly #keySource: ServiceAccountKeySource | undefined;
  readonly #cacheKey: string;
  /** How Application Default Credentials are found and used: from config and environment, fixed at start. */
  readonly #adcSettings: AdcSettings;
  #identity: { stamp: string; identity: TokenIdentity } | undefined;
  readonly #flights = new SingleFlight<AccessToken & { identity: string }>();
  #lister: RepositoryLister | undefined;
  #emailLookedUp = false;
  #discoveryTokenError: RegcredError | undefined;

  constructor(config: GoogleConfig, context: ProviderContext, deps: GoogleProviderDeps = {}) {
    this.#config = config;
    this.#context = context;
    this.#deps = deps;
    this.#transporter = createTransporter(context.dispatcher);
    const keyFile = config.keyFile === undefined ? undefined : this.#path(config.keyFile);
    this.#keySource =
      keyFile === undefined && config.keyEnv === undefined
        ? undefined
        : new ServiceAccountKeySource({
            ...(keyFile === undefined ? {} : { path: keyFile }),
            ...(config.keyEnv === undefined ? {} : { envName: config.keyEnv }),
            env: context.env,
            registerSecret: context.registerSecret,
          });
    this.#adcSettings = this.#buildAdcSettings();
    this.#cacheKey = this.#keySource
      ? `google:key:${this.#keySource.description}:${config.keyUsername}`
      : `google:adc:${config.credentialsFile ?? (config.metadataServer ? 'metadata' : 'default')}:${config.impersonate ?? ''}:${config.scopes.join(' ')}`;
  }

  /** One identity serves every Google host: gcr.io, us-docker.pkg.dev, … share a token. */
  cacheKey(_registryHost: string): string {
    return this.#cacheKey;
  }

  /**
   * A fresh credential for `registryHost` (never the library's cached token: regcred's cache decides).
   * Throws RegcredError: ERR_CREDENTIAL_AUTH, ERR_CREDENTIAL_FETCH, ERR_CREDENTIAL_THROTTLED, ERR_TIMEOUT,
   * ERR_ABORTED, ERR_CREDENTIAL_INVALID or ERR_CREDENTIAL_SOURCE, naming the host and the identity.
   */
  async getCredential(registryHost: string, options: GetCredentialOptions): Promise<Credential> {
    const host = registryHost.toLowerCase();
    if (this.#keySource) {
      const key = await this.#keySource.read();
      return {
        username: this.#config.keyUsername,
        password: jsonKeyPassword(key, this.#config.keyUsername),
        expiresAt: null,
        hosts: [host],
        source: `google:json_key:${key.clientEmail}`,
      };
    }
    const token = await this.#token(host, options.signal);
    return {
      username: OAUTH_USERNAME,
      password: token.accessToken,
      expiresAt: token.expiresAt,
      hosts: [host],
      source: `google:${token.identity}`,
    };
  }

  /** `<location>-docker.pkg.dev` hosts of `discover.projects`; throws like `getCredential`. */
  async discoverHosts(options: GetCredentialOptions): Promise<string[]> {
    const discover = this.#config.discover;
    if (discover === undefined) {
      this.#context.logger.warn('no discover.projects configured; list hosts in the config instead');
      return [];
    }
    const lister = this.#listerFor(discover.endpoint);
    const identity = (await this.#resolveIdentity('discovery')).description;
    const hosts = await withGoogleRetries(
      async (signal) => {
        this.#discoveryTokenError = undefined;
        try {
          return await withRequestSignal(signal, () =>
            discoverDockerHosts(lister, {
              projects: discover.projects,
              ...(discover.locations === undefined ? {} : { locations: discover.locations }),
            }),
          );
        } catch (error) {
          // gax wraps auth failures in its own error; the token fetch's error (already retried) says more.
          const tokenError = this.#discoveryTokenError as RegcredError | undefined;
          if (tokenError === undefined) throw error;
          throw new RegcredError(tokenError.code, tokenError.message, {
            cause: tokenError,
            retryable: false,
            details: tokenError.details,
          });
        }
      },
      {
        ...this.#retryOptions('discovery', identity, options.signal),
        failure: {
          registry: 'discovery',
          identity,
          action: `Artifact Registry discovery for project${discover.projects.length > 1 ? 's' : ''} ${discover.projects.join(', ')}`,
        },
      },
    );
    this.#context.logger.info({ projects: discover.projects, hosts }, 'discovered Artifact Registry hosts');
    return hosts;
  }

  async close(): Promise<void> {
    this.#flights.abortAll();
    await this.#lister?.close();
    this.#lister = undefined;
  }

  #listerFor(endpoint: string | undefined): RepositoryLister {
    if (this.#lister === undefined) {
      // The token for discovery comes through the same coalesced fetch as registry credentials.
      const authClient = new ProviderTokenClient(
        () =>
          this.#token('discovery', currentRequestSignal() ?? new AbortController().signal).catch(
            (error: unknown) => {
              if (error instanceof RegcredError) this.#discoveryTokenError = error;
              throw error;
            },
          ),
        this.#transporter,
      );
      const create = this.#deps.createLister ?? createArtifactRegistryLister;
      this.#lister = create({ authClient, ...(endpoint === undefined ? {} : { endpoint }) });
    }
    return this.#lister;
  }

  /** A fresh access token; concurrent callers share one upstream fetch, each keeping its own signal. */
  #token(registry: string, signal: AbortSignal): Promise<AccessToken & { identity: string }> {
    // One token serves every host, so there is one flight; it keeps the first caller's registry.
    return this.#flights.run(
      'token',
      signal,
      (shared) => this.#fetchToken(registry, shared),
      () => aborted(registry),
    );
  }

  async #fetchToken(registry: string, signal: AbortSignal): Promise<AccessToken & { identity: string }> {
    const identity = await this.#resolveIdentity(registry);
    const token = await withGoogleRetries(
      (attemptSignal) =>
        withRequestSignal(attemptSignal, async () => {
          const { token: accessToken } = await identity.client.getAccessToken();
          if (typeof accessToken !== 'string' || accessToken === '') {
            throw new RegcredError(
              ErrorCode.CredentialInvalid,
              `Google credential for ${registry} (${identity.description}): the token endpoint answered no access token`,
            );
          }
          return { accessToken, expiry: identity.client.credentials.expiry_date };
        }),
      this.#retryOptions(registry, identity.description, signal),
    );
    this.#context.registerSecret(token.accessToken);
    let expiresAt: Date;
    if (typeof token.expiry === 'number' && Number.isFinite(token.expiry)) {
      expiresAt = new Date(token.expiry);
    } else {
      expiresAt = new Date(this.#context.clock.now() + FALLBACK_LIFETIME_MS);
      this.#context.logger.warn({ registry }, 'Google token came without an expiry; assuming 45 minutes');
    }
    await this.#lookUpEmail(identity, signal);
    this.#context.logger.debug(
      { registry, identity: identity.description, expiresAt: expiresAt.toISOString() },
      'fetched Google access token',
    );
    return { accessToken: token.accessToken, expiresAt, identity: identity.description };
  }

  /** Names the metadata server's service account in later logs and errors; failures are ignored. */
  async #lookUpEmail(identity: TokenIdentity, signal: AbortSignal): Promise<void> {
    if (this.#emailLookedUp || identity.metadata === undefined) return;
    this.#emailLookedUp = true;
    try {
      const email = await withRequestSignal(
        signal,
        () => identity.metadata?.fetchEmail() ?? Promise.resolve(''),
      );
      if (email.includes('@')) {
        identity.description = identity.description.replace(
          `(service account ${identity.metadata.serviceAccount})`,
          `(service account ${email})`,
        );
      }
    } catch (error) {
      this.#context.logger.debug(
        { err: classifyFailure(error, { registry: 'email', identity: identity.description }) },
        'cannot read the metadata service account email',
      );
    }
  }

  /** The identity, rebuilt when its key or credentials file changed. */
  async #resolveIdentity(registry: string): Promise<TokenIdentity> {
    const settings = this.#adcSettings;
    if (this.#keySource) {
      const key = await this.#keySource.read();
      const stamp = `key:${key.raw.length}:${key.privateKeyId ?? ''}:${key.clientEmail}`;
      if (this.#identity?.stamp !== stamp) this.#identity = { stamp, identity: keyIdentity(key, settings) };
      return this.#identity.identity;
    }
    const source = await findAdcSource(settings);
    const stamp =
      source.kind === 'file'
        ? `file:${source.path}:${await fileStamp(source.path).catch(() => 'missing')}`
        : `metadata:${source.host}:${source.serviceAccount}`;
    if (this.#identity?.stamp !== stamp) {
      this.#identity = { stamp, identity: await buildIdentity(source, settings) };
      this.#context.logger.info(
        { registry, identity: this.#identity.identity.description },
        'using Google identity',
      );
    }
    return this.#identity.identity;
  }

  #buildAdcSettings(): AdcSettings {
    const config = this.#config;
    const explicitScopes = !(config.scopes.length === 1 && config.scopes[0] === CLOUD_PLATFORM_SCOPE);
    return {
      env: this.#context.env,
      transporter: this.#transporter,
      now: () => this.#context.clock.now(),
      scopes: config.scopes,
      scopesExplicit: explicitScopes,
      ...(config.credentialsFile === undefined
        ? {}
        : { credentialsFile: this.#path(config.credentialsFile) }),
      ...(config.metadataServer === undefined ? {} : { metadataServer: config.metadataServer }),
      ...(config.impersonate === undefined
        ? {}
        : {
            impersonate: {
              target: config.impersonate,
              delegates: config.delegates ?? [],
              lifetimeSeconds: config.lifetimeSeconds,
              ...(config.iamCredentialsEndpoint === undefined
                ? {}
                : { endpoint: config.iamCredentialsEndpoint }),
            },
          }),
      registerSecret: this.#context.registerSecret,
    };
  }

  #retryOptions(registry: string, identity: string, signal: AbortSignal) {
    return {
      clock: this.#context.clock,
      logger: this.#context.logger,
      maxAttempts: this.#config.maxAttempts,
      attemptTimeoutMs: this.#config.requestTimeoutSeconds * 1000,
      ...(this.#deps.random === undefined ? {} : { random: this.#deps.random }),
      signal,
      failure: { registry, identity },
    };
  }

  #path(path: string): string {
    return isAbsolute(path) ? path : resolve(this.#context.configDir, path);
  }
}

function aborted(registry: string): RegcredError {
  return new RegcredError(ErrorCode.Aborted, `Google credential for ${registry}: cancelled`, {
    details: { registry },
  });
}
