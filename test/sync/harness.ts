import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { getGlobalDispatcher } from 'undici';
import type { CliEnvironment, Runtime } from '../../src/cli/cli-environment.ts';
import { configSchema } from '../../src/config/schema.ts';
import type { Clock } from '../../src/core/clock.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { FakeKubeApiServer } from '../fakes/kube-api-server/index.ts';
import { captureLogs, type LogCapture } from '../fakes/log-capture.ts';
import { FakeCredentialSource, type FakeRegistry } from './fake-credential-source.ts';

export const REGISTRIES: FakeRegistry[] = [
  { name: 'ecr', hosts: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com'], lifetimeMs: 12 * 3_600_000 },
  { name: 'gar', hosts: ['europe-docker.pkg.dev', 'eu.gcr.io'], lifetimeMs: 3_600_000 },
  { name: 'hub', hosts: ['docker.io'], lifetimeMs: null },
];

export interface TestCli {
  readonly env: CliEnvironment;
  readonly logs: LogCapture;
  readonly credentials: FakeCredentialSource;
  stdout(): string;
  stderr(): string;
  exitCode(): number;
  /** Fires the shutdown signal (SIGTERM). */
  terminate(): void;
  /** Runs `regcred <args>` against a fresh commander program. */
  run(args: string[]): Promise<void>;
}

export function namespaceObject(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** A CliEnvironment whose runtime is the given config + fakes, pointed at the fake API server. */
export function createTestCli(options: {
  server?: FakeKubeApiServer;
  config: Record<string, unknown>;
  register: (program: Command, env: CliEnvironment) => unknown;
  clock?: Clock;
  credentials?: FakeCredentialSource;
  env?: Record<string, string>;
}): TestCli {
  const clock = options.clock ?? systemClock;
  const logs = captureLogs('debug');
  const credentials = options.credentials ?? new FakeCredentialSource(REGISTRIES, clock);
  const out: string[] = [];
  const err: string[] = [];
  let exitCode = 0;
  const shutdown = new AbortController();
  const dir = mkdtempSync(join(tmpdir(), 'regcred-sync-'));
  const processEnv: Record<string, string> = { HOME: dir, ...(options.env ?? {}) };
  if (options.server) {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, options.server.kubeconfigYaml('regcred-system'));
    processEnv.KUBECONFIG = kubeconfig;
  }
  const config = configSchema.parse(options.config);
  const sink = (chunks: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    });
  const env: CliEnvironment = {
    stdout: sink(out),
    stderr: sink(err),
    stdin: Readable.from([]),
    env: processEnv,
    cwd: dir,
    setExitCode: (code) => {
      exitCode = Math.max(exitCode, code);
    },
    shutdownSignal: shutdown.signal,
    async loadRuntime(): Promise<Runtime> {
      return {
        config,
        configPath: join(dir, 'regcred.yaml'),
        logger: logs.logger,
        clock,
        dispatcher: getGlobalDispatcher(),
        credentials,
        scrubber: logs.scrubber,
        close: async () => {},
      };
    },
  };
  return {
    env,
    logs,
    credentials,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    exitCode: () => exitCode,
    terminate: () => shutdown.abort(new Error('SIGTERM')),
    async run(args) {
      const program = new Command()
        .exitOverride()
        .configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
      options.register(program, env);
      await program.parseAsync(['node', 'regcred', ...args]);
    },
  };
}

export function baseConfig(secrets: unknown[], sync: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    registries: REGISTRIES.map((r) => ({ provider: 'static', name: r.name, hosts: r.hosts })),
    secrets,
    sync: { qps: 1000, burst: 1000, concurrency: 8, ...sync },
  };
}

export const writes = (server: FakeKubeApiServer, resource = 'secrets') =>
  server.requests.filter(
    (r) => r.resource === resource && ['create', 'update', 'patch', 'delete'].includes(r.verb),
  );
