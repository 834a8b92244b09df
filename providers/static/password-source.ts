import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import type { StaticConfig } from './config.ts';

/** Where the password comes from, described without the secret. */
export interface PasswordSource {
  readonly description: string;
  read(): Promise<string>;
}

export function passwordSource(
  config: StaticConfig,
  env: Readonly<Record<string, string | undefined>>,
  configDir: string,
): PasswordSource {
  if (config.passwordFile !== undefined)
    return new FilePasswordSource(resolve(configDir, config.passwordFile));
  if (config.passwordEnv !== undefined) {
    const name = config.passwordEnv;
    return {
      description: `env:${name}`,
      read: async () => {
        const value = env[name];
        if (value === undefined || value === '') {
          throw new RegcredError(
            ErrorCode.CredentialSource,
            `environment variable ${name} is not set or empty`,
            {
              details: { variable: name },
            },
          );
        }
        return value;
      },
    };
  }
  const inline = config.password ?? '';
  return { description: 'config', read: async () => inline };
}

/**
 * A password file (typically a mounted Secret). Re-read whenever its size, mtime or inode changes, so a
 * rotated Secret is picked up without a restart; one trailing newline is dropped.
 */
class FilePasswordSource implements PasswordSource {
  readonly description: string;
  readonly #path: string;
  #stamp = '';
  #value = '';

  constructor(path: string) {
    this.#path = path;
    this.description = `file:${path}`;
  }

  async read(): Promise<string> {
    let stamp: string;
    try {
      const info = await stat(this.#path);
      stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      throw new RegcredError(
        ErrorCode.CredentialSource,
        `cannot read password file ${this.#path}: ${describeFsError(error)}`,
        {
          cause: error,
          details: { file: this.#path },
        },
      );
    }
    if (stamp === this.#stamp) return this.#value;
    const text = await readFile(this.#path, 'utf8').catch((error: unknown) => {
      throw new RegcredError(
        ErrorCode.CredentialSource,
        `cannot read password file ${this.#path}: ${describeFsError(error)}`,
        {
          cause: error,
          details: { file: this.#path },
        },
      );
    });
    const value = text.replace(/\r?\n$/, '');
    if (value === '') {
      throw new RegcredError(ErrorCode.CredentialSource, `password file ${this.#path} is empty`, {
        details: { file: this.#path },
      });
    }
    this.#stamp = stamp;
    this.#value = value;
    return value;
  }
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return typeof code === 'string' ? code : 'unknown error';
}
