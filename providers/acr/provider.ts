import type { TokenCredentialOptions } from '@azure/identity';
import type { Credential } from '../../src/core/credential.ts';
import { ErrorCode, isRegcredError, RegcredError } from '../../src/core/errors.ts';
import type { GetCredentialOptions, ProviderContext, RegistryProvider } from '../../src/core/provider.ts';
import { type RetryOptions, type RetryPolicy, withRetries } from '../../src/core/retry.ts';
import { SingleFlight } from '../../src/core/single-flight.ts';
import { AZURE_CLOUDS, cloudForHost, DEFAULT_ACR_SCOPE } from './clouds.ts';
import type { AcrConfig } from './config.ts';
import { createEntraTokenSource, defaultIdentity, type EntraTokenSource, nonEmpty } from './entra.ts';
import { entraTransport } from './entra-transport.ts';
import {
  defaultExchangeTarget,
  discoverExchangeTarget,
  type ExchangeTarget,
  exchangeForRefreshToken,
} from './exchange.ts';
import { type BoundedHttp, boundedHttp } from './http.ts';
import { jwtExpiry, jwtPayload } from './jwt-expiry.ts';

/** The fixed username ACR expects with a refresh token as the password. */
export const ACR_REFRESH_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000';

export interface AcrProviderOptions {
  /** Uniform random in [0, 1) for backoff jitter; tests pass a fixed one. */
  readonly random?: () => number;
}

/**
 * Azure Container Registry: an Entra ID token for the configured identity, exchanged at the registry for
 * a refresh token that docker clients send as the password. Errors name the registry and identity.
 */
export class AcrProvider implements RegistryProvider {
  readonly id = 'acr';
  readonly #config: AcrConfig;
  readonly #context: ProviderContext;
  readonly #http: BoundedHttp;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  readonly #flights = new SingleFlight<Credential>();
  /** One token source per authority host (an entry may serve registries of several clouds). */
  readonly #sources = new Map<string, EntraTokenSource>();
  readonly #targets = new Map<string, ExchangeTarget>();
  /** The identity part of every cache key: config and environment do not change after start. */
  readonly #identityKey: string;

  constructor(config: AcrConfig, context: ProviderContext, options: AcrProviderOptions = {}) {
    this.#config = config;
    this.#context = context;
    this.#identityKey = identityKey(config, context.env);
    this.#http = boundedHttp({
      dispatcher: context.dispatcher,
      clock: context.clock,
      timeoutMs: config.requestTimeout,
    });
    this.#retry = {
      attempts: config.retry.attempts,
      baseDelayMs: config.retry.baseDelay,
      maxDelayMs: config.retry.maxDelay,
    };
    this.#random = options.random ?? Math.random;
  }

  cacheKey(registryHost: string): string {
    const registry = normalizeHost(registryHost);
    return `acr|${registry}|${this.#identityKey}@${this.#authorityHost(registry)}`;
  }

  getCredential(registryHost: string, options: GetCredentialOptions): Promise<Credential> {
    const registry = normalizeHost(registryHost);
    return this.#flights.run(this.cacheKey(registry), options.signal, (signal) =>
      this.#fetch(registry, signal),
    );
  }

  async close(): Promise<void> {
    this.#sources.clear();
    this.#targets.clear();
  }

  async #fetch(registry: string, signal: AbortSignal): Promise<Credential> {
    const logger = this.#context.logger.child({ registry });
    const source = this.#source(registry);
    const identity = source.identity.label;
    const retry = (step: string): RetryOptions => ({
      policy: this.#retry,
      clock: this.#context.clock,
      signal,
      random: this.#random,
      retryAfterMs,
      onRetry: (error, attempt, delayMs) =>
        logger.warn({ identity, step, attempt, delayMs, err: error }, `${step} failed, retrying`),
    });
    logger.debug({ identity }, 'fetching an ACR refresh token');
    const scope = this.#config.scope ?? DEFAULT_ACR_SCOPE;
    const entra = await withRetries(() => source.getToken(scope, signal), retry('Entra ID token'));
    const target = await this.#target(registry, signal, retry('challenge discovery'));
    const tenantId =
      this.#config.tenantId ?? nonEmpty(this.#context.env.AZURE_TENANT_ID) ?? tokenTenant(entra.token);
    let refreshToken: string;
    try {
      refreshToken = await withRetries(
        () =>
          exchangeForRefreshToken(this.#http, {
            registry,
            target,
            tenantId,
            accessToken: entra.token,
            identityLabel: identity,
            signal,
          }),
        retry('ACR token exchange'),
      );
    } catch (error) {
      // A registry that moved its endpoint is rediscovered next time.
      this.#targets.delete(registry);
      throw error;
    }
    this.#context.registerSecret(refreshToken);
    const now = this.#context.clock.now();
    const expiry = jwtExpiry(refreshToken, now);
    if (expiry.kind === 'fallback') {
      logger.warn(
        { identity, reason: expiry.reason, expiresAt: expiry.expiresAt.toISOString() },
        'cannot read the refresh token expiry; assuming a short lifetime',
      );
    } else if (expiry.expiresAt.getTime() <= now) {
      throw new RegcredError(
        ErrorCode.CredentialInvalid,
        `ACR token exchange for ${registry}: the refresh token expired at ${expiry.expiresAt.toISOString()} (clock skew?)`,
        { details: { registry, identity } },
      );
    }
    logger.info(
      {
        identity,
        expiresAt: expiry.expiresAt.toISOString(),
        lifetimeS: Math.round((expiry.expiresAt.getTime() - now) / 1000),
      },
      'ACR refresh token obtained',
    );
    return {
      username: ACR_REFRESH_TOKEN_USERNAME,
      password: refreshToken,
      expiresAt: expiry.expiresAt,
      hosts: [registry],
      source: `acr:${identity}`,
    };
  }

  async #target(registry: string, signal: AbortSignal, retry: RetryOptions): Promise<ExchangeTarget> {
    if (!this.#config.discovery) return defaultExchangeTarget(registry);
    const known = this.#targets.get(registry);
    if (known) return known;
    const target = await withRetries(() => discoverExchangeTarget(this.#http, registry, signal), retry);
    this.#targets.set(registry, target);
    return target;
  }

  #source(registry: string): EntraTokenSource {
    const authorityHost = this.#authorityHost(registry);
    let source = this.#sources.get(authorityHost);
    if (source === undefined) {
      const transportErrors: { last?: RegcredError } = {};
      const clientOptions: TokenCredentialOptions = {
        httpClient: entraTransport(this.#http, `Entra ID call for ${registry}`, transportErrors),
        // regcred retries on its own clock, with jitter; the SDK's retries would multiply them.
        retryOptions: { maxRetries: 0 },
      };
      source = createEntraTokenSource({
        identity: this.#config.identity,
        tenantId: this.#config.tenantId,
        authorityHost,
        disableInstanceDiscovery: this.#config.disableInstanceDiscovery,
        env: this.#context.env,
        configDir: this.#context.configDir,
        clientOptions,
        registerSecret: this.#context.registerSecret,
        transportErrors,
      });
      this.#sources.set(authorityHost, source);
    }
    return source;
  }

  /** Config `authorityHost`, else config `cloud`, else the host's suffix, else AZURE_AUTHORITY_HOST, else public. */
  #authorityHost(registry: string): string {
    if (this.#config.authorityHost !== undefined) return this.#config.authorityHost.replace(/\/+$/, '');
    if (this.#config.cloud !== undefined) return AZURE_CLOUDS[this.#config.cloud].authorityHost;
    const byHost = cloudForHost(registry);
    if (byHost) return byHost.authorityHost;
    const fromEnv = nonEmpty(this.#context.env.AZURE_AUTHORITY_HOST);
    return (fromEnv ?? AZURE_CLOUDS.public.authorityHost).replace(/\/+$/, '');
  }
}

/** The identity part of the cache key, without building (or failing to build) a credential. */
function identityKey(config: AcrConfig, env: ProviderContext['env']): string {
  const identity = config.identity.type === 'default' ? defaultIdentity(env) : config.identity;
  const tenant = config.tenantId ?? nonEmpty(env.AZURE_TENANT_ID) ?? '';
  switch (identity.type) {
    case 'managed':
      return `managed:${identity.clientId ?? identity.resourceId ?? 'system'}`;
    case 'workload':
      return `workload:${identity.clientId ?? nonEmpty(env.AZURE_CLIENT_ID) ?? ''}:${tenant}`;
    case 'client-secret':
    case 'client-certificate':
      return `${identity.type}:${identity.clientId}:${tenant}`;
    default:
      return identity.type;
  }
}

/** The exchange's Retry-After (`details.retryAfterMs`), a floor under the backoff. */
function retryAfterMs(error: unknown): number | undefined {
  const value = isRegcredError(error) ? error.details.retryAfterMs : undefined;
  return typeof value === 'number' ? value : undefined;
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase();
}

/** The tenant of an Entra access token (`tid`), for the exchange's `tenant` field. Not a secret. */
function tokenTenant(token: string): string | undefined {
  const payload = jwtPayload(token);
  if (typeof payload === 'string') return undefined;
  return typeof payload.tid === 'string' && /^[A-Za-z0-9.-]{1,100}$/.test(payload.tid)
    ? payload.tid
    : undefined;
}
