import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AuthClient,
  AwsClient,
  type AwsClientOptions,
  type gaxios,
  IdentityPoolClient,
  type IdentityPoolClientOptions,
  Impersonated,
  JWT,
  PluggableAuthClient,
  type PluggableAuthClientOptions,
  UserRefreshClient,
} from 'google-auth-library';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { parseServiceAccountKey, type ServiceAccountKey } from './json-key.ts';
import { DEFAULT_METADATA_HOST, MetadataTokenClient, metadataBaseUrl } from './metadata-client.ts';

/**
 * google-auth-library refreshes a token only when it expires within this margin. regcred's credential
 * cache decides when to refresh, so the outermost client must fetch a new token every time it is asked.
 */
export const ALWAYS_REFRESH_MS = 100 * 365 * 24 * 3600 * 1000;

/** An identity ready to mint access tokens. `description` names it in logs and errors, never a secret. */
export interface TokenIdentity {
  readonly client: AuthClient;
  readonly kind: 'metadata' | 'service_account' | 'external_account' | 'authorized_user' | 'impersonated';
  description: string;
  /** Present for the metadata server: its service account email is looked up once, best effort. */
  readonly metadata?: MetadataTokenClient;
}

export interface AdcSettings {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly transporter: gaxios.Gaxios;
  readonly now: () => number;
  readonly scopes: readonly string[];
  /** Whether the user set scopes (they are then asked of the metadata server too). */
  readonly scopesExplicit: boolean;
  readonly credentialsFile?: string;
  readonly metadataServer?: { readonly host?: string; readonly serviceAccount: string };
  readonly impersonate?: {
    readonly target: string;
    readonly delegates: readonly string[];
    readonly lifetimeSeconds: number;
    readonly endpoint?: string;
  };
  readonly registerSecret: (secret: string) => void;
}

/** Where Application Default Credentials come from, decided without network I/O. */
export type AdcSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'metadata'; readonly host: string; readonly serviceAccount: string };

/**
 * The ADC search order of google-auth-library, reading regcred's env instead of `process.env`:
 * the configured file, GOOGLE_APPLICATION_CREDENTIALS, gcloud's well-known file, the metadata server.
 */
export async function findAdcSource(settings: AdcSettings): Promise<AdcSource> {
  const { env } = settings;
  const metadata = (): AdcSource => ({
    kind: 'metadata',
    host:
      settings.metadataServer?.host ?? env.GCE_METADATA_HOST ?? env.GCE_METADATA_IP ?? DEFAULT_METADATA_HOST,
    serviceAccount: settings.metadataServer?.serviceAccount ?? 'default',
  });
  if (settings.metadataServer !== undefined) return metadata();
  if (settings.credentialsFile !== undefined) return { kind: 'file', path: settings.credentialsFile };
  const fromEnv = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (fromEnv !== undefined && fromEnv !== '') return { kind: 'file', path: fromEnv };
  const wellKnown = gcloudWellKnownFile(env);
  if (wellKnown !== undefined && (await exists(wellKnown))) return { kind: 'file', path: wellKnown };
  return metadata();
}

function gcloudWellKnownFile(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const file = 'application_default_credentials.json';
  if (env.CLOUDSDK_CONFIG) return join(env.CLOUDSDK_CONFIG, file);
  if (env.APPDATA) return join(env.APPDATA, 'gcloud', file);
  if (env.HOME) return join(env.HOME, '.config', 'gcloud', file);
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Builds the identity for `source`, wrapped in impersonation when configured. */
export async function buildIdentity(source: AdcSource, settings: AdcSettings): Promise<TokenIdentity> {
  const inner =
    source.kind === 'metadata'
      ? metadataIdentity(source, settings, !settings.impersonate)
      : await fileIdentity(source.path, settings, !settings.impersonate);
  if (!settings.impersonate) return inner;
  return impersonatedIdentity(inner, settings.impersonate, settings);
}

/** The identity for a service-account key regcred already read (key mode's discovery). */
export function keyIdentity(key: ServiceAccountKey, settings: AdcSettings, outermost = true): TokenIdentity {
  return {
    kind: 'service_account',
    description: `service account ${key.clientEmail}`,
    client: new JWT({
      email: key.clientEmail,
      key: key.privateKey,
      keyId: key.privateKeyId,
      scopes: [...settings.scopes],
      transporter: settings.transporter,
      ...(outermost ? { eagerRefreshThresholdMillis: ALWAYS_REFRESH_MS } : {}),
    }),
  };
}

function metadataIdentity(
  source: Extract<AdcSource, { kind: 'metadata' }>,
  settings: AdcSettings,
  outermost: boolean,
): TokenIdentity {
  const client = new MetadataTokenClient({
    host: source.host,
    serviceAccount: source.serviceAccount,
    scopes: settings.scopesExplicit ? settings.scopes : undefined,
    transporter: settings.transporter,
    now: settings.now,
    ...(outermost ? { eagerRefreshThresholdMillis: ALWAYS_REFRESH_MS } : {}),
  });
  return {
    kind: 'metadata',
    client,
    metadata: client,
    description: `metadata server at ${metadataBaseUrl(source.host)} (service account ${source.serviceAccount})`,
  };
}

async function fileIdentity(path: string, settings: AdcSettings, outermost: boolean): Promise<TokenIdentity> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw sourceError(
      `credentials file ${path} cannot be read (${typeof code === 'string' ? code : 'error'})`,
    );
  }
  settings.registerSecret(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw sourceError(`credentials file ${path} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw sourceError(`credentials file ${path} is not a JSON object`);
  }
  return identityFromJson(
    json as Record<string, unknown>,
    `credentials file ${path}`,
    settings,
    outermost,
    text,
  );
}

function identityFromJson(
  json: Record<string, unknown>,
  where: string,
  settings: AdcSettings,
  outermost: boolean,
  text: string,
): TokenIdentity {
  const threshold = outermost ? { eagerRefreshThresholdMillis: ALWAYS_REFRESH_MS } : {};
  const common = { transporter: settings.transporter, ...threshold };
  switch (json.type) {
    case 'service_account': {
      const key = parseServiceAccountKey(text, where);
      settings.registerSecret(key.privateKey);
      return keyIdentity(key, settings, outermost);
    }
    case 'external_account': {
      requireStrings(json, ['audience', 'subject_token_type', 'token_url'], where);
      const credentialSource = json.credential_source;
      if (typeof credentialSource !== 'object' || credentialSource === null) {
        throw sourceError(`${where}: external_account needs a "credential_source" object`);
      }
      const options = { ...json, scopes: [...settings.scopes], ...common };
      const source = credentialSource as Record<string, unknown>;
      const client =
        source.environment_id !== undefined
          ? new AwsClient(options as unknown as AwsClientOptions)
          : source.executable !== undefined
            ? new PluggableAuthClient(options as unknown as PluggableAuthClientOptions)
            : new IdentityPoolClient(options as unknown as IdentityPoolClientOptions);
      const impersonation =
        typeof json.service_account_impersonation_url === 'string'
          ? ` impersonating ${targetOf(json.service_account_impersonation_url) ?? 'a service account'}`
          : '';
      return {
        kind: 'external_account',
        client,
        description: `external account ${String(json.audience).slice(0, 200)}${impersonation}`,
      };
    }
    case 'authorized_user': {
      requireStrings(json, ['client_id', 'client_secret', 'refresh_token'], where);
      settings.registerSecret(String(json.client_secret));
      settings.registerSecret(String(json.refresh_token));
      return {
        kind: 'authorized_user',
        description: `user credentials of OAuth client ${String(json.client_id)}`,
        client: new UserRefreshClient({
          clientId: String(json.client_id),
          clientSecret: String(json.client_secret),
          refreshToken: String(json.refresh_token),
          ...common,
        }),
      };
    }
    case 'impersonated_service_account': {
      requireStrings(json, ['service_account_impersonation_url'], where);
      const url = String(json.service_account_impersonation_url);
      const target = targetOf(url);
      const sourceJson = json.source_credentials;
      if (target === undefined || typeof sourceJson !== 'object' || sourceJson === null) {
        throw sourceError(
          `${where}: impersonated_service_account needs source_credentials and a generateAccessToken URL`,
        );
      }
      const inner = identityFromJson(
        sourceJson as Record<string, unknown>,
        `${where} (source_credentials)`,
        settings,
        false,
        JSON.stringify(sourceJson),
      );
      const delegates = Array.isArray(json.delegates)
        ? json.delegates.filter((d) => typeof d === 'string')
        : [];
      return impersonatedIdentity(
        inner,
        {
          target,
          delegates,
          lifetimeSeconds: settings.impersonate?.lifetimeSeconds ?? 3600,
          endpoint: url.slice(0, url.indexOf('/v1/')),
        },
        settings,
        outermost,
      );
    }
    default: {
      const got = typeof json.type === 'string' ? `"${json.type.slice(0, 60)}"` : 'no type';
      throw sourceError(
        `${where}: unsupported credentials type ${got} (expected service_account, external_account, authorized_user or impersonated_service_account)`,
      );
    }
  }
}

function impersonatedIdentity(
  inner: TokenIdentity,
  impersonate: NonNullable<AdcSettings['impersonate']>,
  settings: AdcSettings,
  outermost = true,
): TokenIdentity {
  const client = new Impersonated({
    sourceClient: inner.client,
    targetPrincipal: impersonate.target,
    targetScopes: [...settings.scopes],
    delegates: [...impersonate.delegates],
    lifetime: impersonate.lifetimeSeconds,
    ...(impersonate.endpoint === undefined ? {} : { endpoint: impersonate.endpoint }),
    transporter: settings.transporter,
    ...(outermost ? { eagerRefreshThresholdMillis: ALWAYS_REFRESH_MS } : {}),
  });
  return {
    kind: 'impersonated',
    client,
    ...(inner.metadata === undefined ? {} : { metadata: inner.metadata }),
    description: `${impersonate.target} impersonated by ${inner.description}`,
  };
}

/** `…/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken` → the email. */
function targetOf(url: string): string | undefined {
  return /serviceAccounts\/([^/:]+):generateAccessToken$/.exec(url)?.[1];
}

function requireStrings(json: Record<string, unknown>, keys: readonly string[], where: string): void {
  const missing = keys.filter((key) => typeof json[key] !== 'string' || json[key] === '');
  if (missing.length > 0) throw sourceError(`${where}: missing ${missing.map((k) => `"${k}"`).join(', ')}`);
}

function sourceError(message: string): RegcredError {
  return new RegcredError(ErrorCode.CredentialSource, message, { retryable: false });
}
