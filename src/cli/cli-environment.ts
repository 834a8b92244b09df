import type { Readable, Writable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RegcredConfig } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { CredentialSource } from '../core/credential-source.ts';
import type { Logger } from '../core/logger.ts';
import type { SecretScrubber } from '../core/redaction.ts';

/** Everything a command touches of the outside world, so tests run commands in-process. */
export interface CliEnvironment {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The process exit status; the highest value set wins. */
  setExitCode(code: number): void;
  /** Fires on SIGTERM/SIGINT: daemons finish in-flight work and return. */
  readonly shutdownSignal: AbortSignal;
  /**
   * Loads and validates the config (`--config`, else `REGCRED_CONFIG`), builds the logger, the shared
   * dispatcher and every provider. Throws `ConfigError` (the caller exits 2).
   */
  loadRuntime(options: LoadRuntimeOptions): Promise<Runtime>;
}

export interface LoadRuntimeOptions {
  readonly configPath?: string | undefined;
  readonly logLevel?: string | undefined;
  /** When true (plugin, credential helper), nothing but protocol output goes to stdout. */
  readonly protocolOnStdout?: boolean;
}

export interface Runtime {
  readonly config: RegcredConfig;
  readonly configPath: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly credentials: CredentialSource;
  readonly scrubber: SecretScrubber;
  close(): Promise<void>;
}
