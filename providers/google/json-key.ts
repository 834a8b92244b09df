import { createPrivateKey } from 'node:crypto';
import { ChangedFile } from '../../src/core/changed-file.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import type { JsonKeyUsername } from './config.ts';

/** The fields of a service-account key regcred relies on. `raw` is the file's text as-is. */
export interface ServiceAccountKey {
  readonly raw: string;
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string | undefined;
  readonly projectId: string | undefined;
}

/**
 * Checks that `text` is a service-account key (type service_account, client_email, private_key).
 * `where` names the file or variable. Messages name fields, never values: a key is a secret, and even
 * JSON.parse's message would quote part of it.
 */
export function parseServiceAccountKey(text: string, where: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw keyError(`${where} is not valid JSON (expected a service-account key file)`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw keyError(`${where} is not a JSON object (expected a service-account key file)`);
  }
  const key = parsed as Record<string, unknown>;
  if (key.type !== 'service_account') {
    const got = typeof key.type === 'string' ? `"${key.type.slice(0, 60)}"` : 'missing';
    throw keyError(`${where}: "type" must be "service_account" (got ${got})`);
  }
  const clientEmail = key.client_email;
  if (typeof clientEmail !== 'string' || !clientEmail.includes('@')) {
    throw keyError(`${where}: "client_email" is missing or not an email`);
  }
  const privateKey = key.private_key;
  if (typeof privateKey !== 'string' || !privateKey.includes('PRIVATE KEY-----')) {
    throw keyError(`${where} (${clientEmail}): "private_key" is missing or not a PEM private key`);
  }
  try {
    createPrivateKey(privateKey);
  } catch {
    throw keyError(`${where} (${clientEmail}): "private_key" cannot be parsed as a private key`);
  }
  return {
    raw: text,
    clientEmail,
    privateKey,
    privateKeyId: typeof key.private_key_id === 'string' ? key.private_key_id : undefined,
    projectId: typeof key.project_id === 'string' ? key.project_id : undefined,
  };
}

/** The docker password for a key: the JSON as-is (`_json_key`) or its base64 (`_json_key_base64`). */
export function jsonKeyPassword(key: ServiceAccountKey, username: JsonKeyUsername): string {
  return username === '_json_key' ? key.raw : Buffer.from(key.raw, 'utf8').toString('base64');
}

function keyError(message: string): RegcredError {
  return new RegcredError(ErrorCode.CredentialSource, message, { retryable: false });
}

export interface KeySourceOptions {
  /** Absolute path of the key file, or undefined with `envName`. */
  readonly path?: string;
  readonly envName?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Called with every secret value read, so it is scrubbed from logs. */
  readonly registerSecret: (secret: string) => void;
}

/**
 * Reads the key from its file or variable, re-reading the file only when its size, mtime or inode
 * changed (a rotated Kubernetes secret volume swaps a symlink, so the inode changes).
 */
export class ServiceAccountKeySource {
  readonly #options: KeySourceOptions;
  readonly #file: ChangedFile<ServiceAccountKey> | undefined;
  #fromEnvCache: { readonly value: string; readonly key: ServiceAccountKey } | undefined;

  constructor(options: KeySourceOptions) {
    if ((options.path === undefined) === (options.envName === undefined)) {
      throw new RegcredError(
        ErrorCode.ConfigInvalid,
        'a key source needs exactly one of a file or a variable',
      );
    }
    this.#options = options;
    this.#file =
      options.path === undefined
        ? undefined
        : new ChangedFile(
            options.path,
            (text) => {
              if (text.trim() === '') {
                throw new RegcredError(ErrorCode.CredentialSource, `${this.description} is empty`, {
                  retryable: false,
                });
              }
              options.registerSecret(text);
              const key = parseServiceAccountKey(text, this.description);
              this.#register(key);
              return key;
            },
            (error) =>
              new RegcredError(
                ErrorCode.CredentialSource,
                `${this.description} cannot be read (${errno(error)})`,
                { retryable: false },
              ),
          );
  }

  /** `key file /x/y.json` or `environment variable GCP_KEY`. */
  get description(): string {
    return this.#options.path === undefined
      ? `environment variable ${this.#options.envName}`
      : `key file ${this.#options.path}`;
  }

  /** Throws ERR_CREDENTIAL_SOURCE when the file or variable is missing, empty or not a key. */
  async read(): Promise<ServiceAccountKey> {
    if (this.#file === undefined) return this.#fromEnv(this.#options.envName ?? '');
    return this.#file.read();
  }

  #fromEnv(name: string): ServiceAccountKey {
    const value = this.#options.env[name];
    if (value === undefined || value.trim() === '') {
      throw new RegcredError(ErrorCode.CredentialSource, `${this.description} is not set or empty`, {
        retryable: false,
      });
    }
    if (this.#fromEnvCache?.value === value) return this.#fromEnvCache.key;
    this.#options.registerSecret(value);
    // A key is JSON; a variable filled from a Kubernetes secret or CI often holds its base64.
    const text = value.trimStart().startsWith('{')
      ? value
      : Buffer.from(value.trim(), 'base64').toString('utf8');
    this.#options.registerSecret(text);
    const key = parseServiceAccountKey(text, this.description);
    this.#register(key);
    this.#fromEnvCache = { value, key };
    return key;
  }

  #register(key: ServiceAccountKey): void {
    this.#options.registerSecret(key.privateKey);
    this.#options.registerSecret(jsonKeyPassword(key, '_json_key_base64'));
  }
}

function errno(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'unknown error';
}
