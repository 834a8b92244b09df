import {
  fromHttp,
  fromIni,
  fromNodeProviderChain,
  fromTemporaryCredentials,
  fromTokenFile,
} from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Clock } from '../../src/core/clock.ts';
import type { EcrConfig } from './config.ts';
import type { UndiciHttpHandler } from './http-handler.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The base identity (before any `roleArn`) as found in the config and the environment. */
export type BaseIdentity =
  | {
      readonly kind: 'profile';
      readonly profile: string;
      readonly credentialsFile: string | undefined;
      readonly configFile: string | undefined;
    }
  | {
      readonly kind: 'environment-keys';
      readonly accessKeyId: string;
      readonly secretAccessKey: string;
      readonly sessionToken: string | undefined;
    }
  | {
      readonly kind: 'web-identity';
      readonly roleArn: string;
      readonly tokenFile: string;
      readonly sessionName: string | undefined;
    }
  | {
      readonly kind: 'container';
      readonly fullUri: string;
      readonly tokenFile: string | undefined;
      readonly token: string | undefined;
    }
  | { readonly kind: 'default-chain' };

/**
 * Which base identity the SDK's default chain would pick, read from `env` (the context's, never
 * `process.env`) in the SDK's own order: environment keys, profile, web identity (IRSA), container
 * credentials (EKS Pod Identity, ECS). Anything else (SSO, process, instance role) is left to the SDK's chain.
 */
export function resolveBaseIdentity(config: EcrConfig, env: Env): BaseIdentity {
  const files = {
    credentialsFile: nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE),
    configFile: nonEmpty(env.AWS_CONFIG_FILE),
  };
  if (config.profile !== undefined) return { kind: 'profile', profile: config.profile, ...files };
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    return {
      kind: 'environment-keys',
      accessKeyId,
      secretAccessKey,
      sessionToken: nonEmpty(env.AWS_SESSION_TOKEN),
    };
  }
  const profile = nonEmpty(env.AWS_PROFILE);
  if (profile !== undefined) return { kind: 'profile', profile, ...files };
  const roleArn = nonEmpty(env.AWS_ROLE_ARN);
  const tokenFile = nonEmpty(env.AWS_WEB_IDENTITY_TOKEN_FILE);
  if (roleArn !== undefined && tokenFile !== undefined) {
    return { kind: 'web-identity', roleArn, tokenFile, sessionName: nonEmpty(env.AWS_ROLE_SESSION_NAME) };
  }
  const fullUri = nonEmpty(env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  if (fullUri !== undefined) {
    return {
      kind: 'container',
      fullUri,
      tokenFile: nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE),
      token: nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN),
    };
  }
  return { kind: 'default-chain' };
}

/** Words naming the identity in errors and logs: role ARNs, profile names, never a key or a token. */
export function describeIdentity(base: BaseIdentity, config: EcrConfig): string {
  const baseWords = describeBase(base);
  return config.roleArn === undefined ? baseWords : `role ${config.roleArn} (assumed with ${baseWords})`;
}

function describeBase(base: BaseIdentity): string {
  switch (base.kind) {
    case 'profile':
      return `profile "${base.profile}"`;
    case 'environment-keys':
      // AWS treats the key id as an identifier, not a secret; the last four characters tell keys apart.
      return `environment access key …${base.accessKeyId.slice(-4)}`;
    case 'web-identity':
      return `web identity role ${base.roleArn}`;
    case 'container':
      return 'container credentials (EKS Pod Identity / ECS)';
    case 'default-chain':
      return 'default credential chain';
  }
}

/** What the STS calls of one region are sent with (our HTTP handler, our endpoint override). */
export interface StsClientSettings {
  readonly region: string;
  readonly useFipsEndpoint: boolean;
  readonly endpoint: string | undefined;
  readonly requestHandler: UndiciHttpHandler;
}

/** Builds the SDK credential provider for one region: the base identity, then `roleArn` if set. */
export function buildCredentialProvider(
  base: BaseIdentity,
  config: EcrConfig,
  sts: StsClientSettings,
): AwsCredentialIdentityProvider {
  // The SDK's own retries are off everywhere: the provider's retry policy covers the whole fetch.
  const clientConfig = {
    region: sts.region,
    useFipsEndpoint: sts.useFipsEndpoint,
    requestHandler: sts.requestHandler,
    maxAttempts: 1,
    ...(sts.endpoint === undefined ? {} : { endpoint: sts.endpoint }),
  };
  const baseProvider = buildBaseProvider(base, clientConfig);
  if (config.roleArn === undefined) return baseProvider;
  return fromTemporaryCredentials({
    masterCredentials: baseProvider,
    params: {
      RoleArn: config.roleArn,
      RoleSessionName: config.roleSessionName ?? 'regcred',
      ...(config.externalId === undefined ? {} : { ExternalId: config.externalId }),
      ...(config.durationSeconds === undefined ? {} : { DurationSeconds: config.durationSeconds }),
    },
    clientConfig,
  });
}

function buildBaseProvider(
  base: BaseIdentity,
  clientConfig: Record<string, unknown>,
): AwsCredentialIdentityProvider {
  switch (base.kind) {
    case 'environment-keys': {
      const identity: AwsCredentialIdentity = {
        accessKeyId: base.accessKeyId,
        secretAccessKey: base.secretAccessKey,
        ...(base.sessionToken === undefined ? {} : { sessionToken: base.sessionToken }),
      };
      return async () => identity;
    }
    case 'web-identity':
      return fromTokenFile({
        roleArn: base.roleArn,
        webIdentityTokenFile: base.tokenFile,
        ...(base.sessionName === undefined ? {} : { roleSessionName: base.sessionName }),
        clientConfig,
      });
    case 'container':
      return fromHttp({
        awsContainerCredentialsFullUri: base.fullUri,
        ...(base.tokenFile === undefined ? {} : { awsContainerAuthorizationTokenFile: base.tokenFile }),
        ...(base.token === undefined ? {} : { awsContainerAuthorizationToken: base.token }),
        maxRetries: 0,
      });
    case 'profile':
      // The shared files only: a named profile is an explicit choice, not one link of the chain.
      return fromIni({
        profile: base.profile,
        ...(base.credentialsFile === undefined ? {} : { filepath: base.credentialsFile }),
        ...(base.configFile === undefined ? {} : { configFilepath: base.configFile }),
        clientConfig,
      });
    case 'default-chain':
      return fromNodeProviderChain({ clientConfig });
  }
}

/** Temporary credentials are renewed this long before they expire, so no signed call races expiry. */
const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Caches the identity until shortly before it expires and coalesces concurrent resolutions, so a burst
 * makes one STS call. Every secret it sees is handed to `registerSecret` (log scrubbing) first.
 */
export function memoizeCredentials(
  provider: AwsCredentialIdentityProvider,
  clock: Clock,
  registerSecret: (secret: string) => void,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (identity: AwsCredentialIdentity | undefined): identity is AwsCredentialIdentity =>
    identity !== undefined &&
    (identity.expiration === undefined ||
      identity.expiration.getTime() - CREDENTIAL_REFRESH_MARGIN_MS > clock.now());
  return async () => {
    if (fresh(current)) return current;
    pending ??= (async () => {
      try {
        const identity = await provider();
        registerSecret(identity.secretAccessKey);
        if (identity.sessionToken !== undefined) registerSecret(identity.sessionToken);
        current = identity;
        return identity;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

/** The value as given, or undefined when unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
