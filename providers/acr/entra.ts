import { isAbsolute, resolve } from 'node:path';
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
  type TokenCredentialOptions,
  WorkloadIdentityCredential,
} from '@azure/identity';
import { ChangedFile } from '../../src/core/changed-file.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import type { AcrIdentityConfig } from './config.ts';
import { entraError } from './entra-errors.ts';

/** Who regcred authenticates as, in words safe for logs and errors (ids, never secrets). */
export interface EntraIdentity {
  /** `workload identity (client id …)`, `managed identity (system-assigned)`, … */
  readonly label: string;
}

export interface EntraToken {
  readonly token: string;
  readonly expiresOnTimestamp: number;
}

/** Gets Entra ID access tokens for one configured identity. */
export interface EntraTokenSource {
  readonly identity: EntraIdentity;
  /**
   * An access token for `scope`. Throws `RegcredError`: `ERR_CREDENTIAL_AUTH` (Entra rejected the
   * identity), `ERR_CREDENTIAL_SOURCE` (a secret, file or environment variable is missing),
   * `ERR_CREDENTIAL_THROTTLED` / `ERR_CREDENTIAL_FETCH` / `ERR_TIMEOUT` (retryable).
   */
  getToken(scope: string, signal: AbortSignal): Promise<EntraToken>;
}

export interface EntraSourceOptions {
  readonly identity: AcrIdentityConfig;
  readonly tenantId: string | undefined;
  readonly authorityHost: string;
  readonly disableInstanceDiscovery: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly configDir: string;
  /** Options every credential gets: our transport, no SDK-side retries. */
  readonly clientOptions: TokenCredentialOptions;
  readonly registerSecret: (secret: string) => void;
  /** Where the transport behind `clientOptions.httpClient` leaves its last error (see `entraError`). */
  readonly transportErrors: { last?: RegcredError | undefined };
}

/**
 * Resolves the configured identity (reading the environment only from `options.env`) into a token
 * source. Throws `ERR_CREDENTIAL_SOURCE` when a value the identity needs (tenant, client id, token
 * file) is nowhere to be found.
 */
export function createEntraTokenSource(options: EntraSourceOptions): EntraTokenSource {
  const resolved = resolveIdentity(options);
  return {
    identity: resolved.identity,
    async getToken(scope, signal) {
      options.transportErrors.last = undefined;
      try {
        const credential = await resolved.credential();
        const token = await credential.getToken(scope, { abortSignal: signal });
        if (token === null || token.token === '') {
          throw new RegcredError(
            ErrorCode.CredentialInvalid,
            `Entra ID returned no token for ${resolved.identity.label}`,
          );
        }
        options.registerSecret(token.token);
        return { token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
      } catch (error) {
        const mapped = entraError(error, resolved.identity, options.transportErrors.last);
        // MSAL remembers a 429/5xx and refuses every request for up to 60 s without asking Entra; regcred
        // backs off on its own clock, so a retry starts from a fresh client instead.
        if (mapped.retryable) resolved.discard();
        throw mapped;
      }
    },
  };
}

interface ResolvedIdentity {
  readonly identity: EntraIdentity;
  /** The credential to use now (rebuilt when a rotated client secret file changes). */
  credential(): Promise<TokenCredential>;
  /** Drops the current credential (and MSAL's state with it); the next call builds a new one. */
  discard(): void;
}

function resolveIdentity(options: EntraSourceOptions): ResolvedIdentity {
  const { identity, env } = options;
  const common = {
    ...options.clientOptions,
    authorityHost: options.authorityHost,
    disableInstanceDiscovery: options.disableInstanceDiscovery,
  };
  const tenantFor = (label: string): string =>
    required(options.tenantId ?? env.AZURE_TENANT_ID, `${label} needs tenantId (config) or AZURE_TENANT_ID`);
  switch (identity.type) {
    case 'workload': {
      const clientId = required(
        identity.clientId ?? env.AZURE_CLIENT_ID,
        'workload identity needs identity.clientId or AZURE_CLIENT_ID',
      );
      const tenantId = tenantFor('workload identity');
      const tokenFilePath = required(
        identity.tokenFile ?? env.AZURE_FEDERATED_TOKEN_FILE,
        'workload identity needs identity.tokenFile or AZURE_FEDERATED_TOKEN_FILE',
      );
      return rebuildable(
        { label: `workload identity (client id ${clientId})` },
        () =>
          new WorkloadIdentityCredential({
            ...common,
            tenantId,
            clientId,
            tokenFilePath: absolute(tokenFilePath, options.configDir),
          }),
      );
    }
    case 'managed': {
      const label =
        identity.clientId !== undefined
          ? `managed identity (client id ${identity.clientId})`
          : identity.resourceId !== undefined
            ? `managed identity (resource id ${identity.resourceId})`
            : 'managed identity (system-assigned)';
      const build = () =>
        identity.clientId !== undefined
          ? new ManagedIdentityCredential({ ...options.clientOptions, clientId: identity.clientId })
          : identity.resourceId !== undefined
            ? new ManagedIdentityCredential({ ...options.clientOptions, resourceId: identity.resourceId })
            : new ManagedIdentityCredential({ ...options.clientOptions });
      return rebuildable({ label }, build);
    }
    case 'client-secret': {
      const tenantId = tenantFor('a client secret identity');
      const label = `client secret (client id ${identity.clientId})`;
      const path = absolute(identity.clientSecretFile ?? '', options.configDir);
      const file =
        identity.clientSecretEnv === undefined
          ? new ChangedFile(
              path,
              (text) => required(text.trim(), `client secret file ${path} is empty`),
              (error) =>
                new RegcredError(ErrorCode.CredentialSource, `cannot read client secret file ${path}`, {
                  cause: error,
                  details: { file: path },
                }),
            )
          : undefined;
      const readSecret = async (): Promise<string> => {
        if (file !== undefined) return file.read();
        const name = identity.clientSecretEnv ?? '';
        return required(env[name], `environment variable ${name} (client secret) is not set or empty`);
      };
      let current: { secret: string; credential: TokenCredential } | undefined;
      return {
        identity: { label },
        async credential() {
          const secret = await readSecret();
          options.registerSecret(secret);
          if (current?.secret !== secret) {
            current = {
              secret,
              credential: new ClientSecretCredential(tenantId, identity.clientId, secret, common),
            };
          }
          return current.credential;
        },
        discard() {
          current = undefined;
        },
      };
    }
    case 'client-certificate': {
      const tenantId = tenantFor('a client certificate identity');
      const certificatePath = absolute(identity.certificateFile, options.configDir);
      const passwordEnv = identity.certificatePasswordEnv;
      const certificatePassword =
        passwordEnv === undefined
          ? undefined
          : required(
              env[passwordEnv],
              `environment variable ${passwordEnv} (certificate password) is not set`,
            );
      if (certificatePassword !== undefined) options.registerSecret(certificatePassword);
      return rebuildable(
        { label: `client certificate (client id ${identity.clientId})` },
        () =>
          new ClientCertificateCredential(
            tenantId,
            identity.clientId,
            certificatePassword === undefined
              ? { certificatePath }
              : { certificatePath, certificatePassword },
            { ...common, sendCertificateChain: identity.sendCertificateChain },
          ),
      );
    }
    case 'default':
      return resolveIdentity({ ...options, identity: defaultIdentity(env) });
  }
}

/**
 * The production part of DefaultAzureCredential, decided from `env` up front instead of by trial:
 * a service principal from AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, else workload
 * identity when AZURE_FEDERATED_TOKEN_FILE is set, else managed identity (user-assigned when
 * AZURE_CLIENT_ID is set). Developer tools (Azure CLI, PowerShell, azd) are left out on purpose.
 */
export function defaultIdentity(env: Readonly<Record<string, string | undefined>>): AcrIdentityConfig {
  const clientId = nonEmpty(env.AZURE_CLIENT_ID);
  if (clientId && nonEmpty(env.AZURE_TENANT_ID)) {
    if (nonEmpty(env.AZURE_CLIENT_SECRET)) {
      return { type: 'client-secret', clientId, clientSecretEnv: 'AZURE_CLIENT_SECRET' };
    }
    const certificateFile = nonEmpty(env.AZURE_CLIENT_CERTIFICATE_PATH);
    if (certificateFile) {
      return {
        type: 'client-certificate',
        clientId,
        certificateFile,
        ...(nonEmpty(env.AZURE_CLIENT_CERTIFICATE_PASSWORD)
          ? { certificatePasswordEnv: 'AZURE_CLIENT_CERTIFICATE_PASSWORD' }
          : {}),
        sendCertificateChain: /^(1|true)$/i.test(env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN ?? ''),
      };
    }
    if (nonEmpty(env.AZURE_FEDERATED_TOKEN_FILE)) return { type: 'workload', clientId };
  }
  return clientId ? { type: 'managed', clientId } : { type: 'managed' };
}

function rebuildable(identity: EntraIdentity, build: () => TokenCredential): ResolvedIdentity {
  let current: TokenCredential | undefined;
  return {
    identity,
    credential: async () => {
      current ??= build();
      return current;
    },
    discard: () => {
      current = undefined;
    },
  };
}

/** The trimmed value, or undefined when unset or blank. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function required(value: string | undefined, message: string): string {
  const found = nonEmpty(value);
  if (found === undefined) throw new RegcredError(ErrorCode.CredentialSource, message);
  return found;
}

function absolute(path: string, configDir: string): string {
  return isAbsolute(path) ? path : resolve(configDir, path);
}
