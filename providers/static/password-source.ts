import { resolve } from 'node:path';
import { ChangedFile } from '../../src/core/changed-file.ts';
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
  readonly #file: ChangedFile<string>;

  constructor(path: string) {
    this.description = `file:${path}`;
    this.#file = new ChangedFile(
      path,
      (text) => {
        const value = text.replace(/\r?\n$/, '');
        if (value === '') {
          throw new RegcredError(ErrorCode.CredentialSource, `password file ${path} is empty`, {
            details: { file: path },
          });
        }
        return value;
      },
      (error) =>
        new RegcredError(
          ErrorCode.CredentialSource,
          `cannot read password file ${path}: ${describeFsError(error)}`,
          { cause: error, details: { file: path } },
        ),
    );
  }

  read(): Promise<string> {
    return this.#file.read();
  }
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return typeof code === 'string' ? code : 'unknown error';
}
