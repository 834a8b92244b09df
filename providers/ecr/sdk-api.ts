import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr-public';
import type { Clock } from '../../src/core/clock.ts';
import type { EcrConfig } from './config.ts';
import type { UndiciHttpHandler } from './http-handler.ts';
import { type BaseIdentity, buildCredentialProvider, memoizeCredentials, nonEmpty } from './identity.ts';
import type { EcrTarget } from './target.ts';
import type { AuthorizationData } from './token.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The one AWS call the provider needs, behind a narrow seam (external-secrets' generator shape). */
export interface AuthorizationTokenApi {
  /** One `GetAuthorizationToken` call, no retries. Throws the SDK's errors unchanged. */
  getAuthorizationToken(target: EcrTarget, signal: AbortSignal): Promise<AuthorizationData | undefined>;
  /** Drops cached clients and identities for the target, after AWS rejected them. */
  reset(target: EcrTarget): void;
  close(): void;
}

export interface SdkApiOptions {
  readonly config: EcrConfig;
  readonly base: BaseIdentity;
  readonly env: Env;
  readonly clock: Clock;
  /** The smithy request handler every client (ECR, ECR Public, STS) sends through. */
  readonly requestHandler: UndiciHttpHandler;
  readonly registerSecret: (secret: string) => void;
}

/** Endpoint URL overrides the SDK honours, read from the context's environment instead of `process.env`. */
export interface EndpointOverrides {
  readonly ecr: string | undefined;
  readonly ecrPublic: string | undefined;
  readonly sts: string | undefined;
}

/** `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`. */
export function endpointOverrides(env: Env): EndpointOverrides {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true') {
    return { ecr: undefined, ecrPublic: undefined, sts: undefined };
  }
  const pick = (name: string) => nonEmpty(env[name]) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  return {
    ecr: pick('AWS_ENDPOINT_URL_ECR'),
    ecrPublic: pick('AWS_ENDPOINT_URL_ECR_PUBLIC'),
    sts: pick('AWS_ENDPOINT_URL_STS'),
  };
}

/** The SDK settings for a target: region and endpoint variant, or the override (which excludes both). */
export function clientSettings(
  target: EcrTarget,
  endpoint: string | undefined,
): { region: string; useFipsEndpoint: boolean; useDualstackEndpoint: boolean; endpoint?: string } {
  // The SDK's endpoint rules refuse a custom endpoint combined with FIPS or dual-stack.
  if (endpoint !== undefined)
    return { region: target.region, useFipsEndpoint: false, useDualstackEndpoint: false, endpoint };
  return { region: target.region, useFipsEndpoint: target.fips, useDualstackEndpoint: target.dualStack };
}

interface PrivateClient {
  readonly kind: 'private';
  readonly client: ECRClient;
}
interface PublicClient {
  readonly kind: 'public';
  readonly client: ECRPUBLICClient;
}

/** The real SDK clients, one per region and endpoint variant, built on first use. */
export function createSdkApi(options: SdkApiOptions): AuthorizationTokenApi {
  const overrides = endpointOverrides(options.env);
  const clients = new Map<string, PrivateClient | PublicClient>();

  const clientFor = (target: EcrTarget): PrivateClient | PublicClient => {
    const key = `${target.kind}|${target.region}|${target.fips}|${target.dualStack}`;
    const existing = clients.get(key);
    if (existing) return existing;
    const credentials = memoizeCredentials(
      buildCredentialProvider(options.base, options.config, {
        region: target.region,
        useFipsEndpoint: target.fips && overrides.sts === undefined,
        endpoint: overrides.sts,
        requestHandler: options.requestHandler,
      }),
      options.clock,
      options.registerSecret,
    );
    const common = {
      credentials,
      requestHandler: options.requestHandler,
      maxAttempts: 1,
      customUserAgent: 'regcred',
    };
    const created: PrivateClient | PublicClient =
      target.kind === 'public'
        ? {
            kind: 'public',
            client: new ECRPUBLICClient({ ...common, ...clientSettings(target, overrides.ecrPublic) }),
          }
        : { kind: 'private', client: new ECRClient({ ...common, ...clientSettings(target, overrides.ecr) }) };
    clients.set(key, created);
    return created;
  };

  return {
    async getAuthorizationToken(target, signal) {
      const entry = clientFor(target);
      if (entry.kind === 'public') {
        const answer = await entry.client.send(new GetPublicAuthorizationTokenCommand({}), {
          abortSignal: signal,
        });
        return answer.authorizationData;
      }
      const answer = await entry.client.send(new GetAuthorizationTokenCommand({}), { abortSignal: signal });
      return answer.authorizationData?.[0];
    },
    reset(target) {
      const key = `${target.kind}|${target.region}|${target.fips}|${target.dualStack}`;
      clients.get(key)?.client.destroy();
      clients.delete(key);
    },
    close() {
      for (const entry of clients.values()) entry.client.destroy();
      clients.clear();
    },
  };
}
