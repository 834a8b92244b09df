import { Readable, Writable } from 'node:stream';
import type { CliEnvironment, LoadRuntimeOptions, Runtime } from '../../src/cli/cli-environment.ts';
import { runCli } from '../../src/cli/main.ts';
import { createRuntime } from '../../src/cli/runtime.ts';
import type { ProviderRegistry } from '../../src/core/provider-registry.ts';

/** An in-memory CliEnvironment: commands run in-process, their output and exit code are kept. */
export interface TestCli {
  readonly env: CliEnvironment;
  stdout(): string;
  stderr(): string;
  exitCode(): number;
  /** Runtimes the commands loaded, to check they were closed. */
  readonly runtimes: Runtime[];
  abort(): void;
}

export function testCli(options: {
  providers: ProviderRegistry;
  env?: Record<string, string | undefined>;
  stdin?: string;
  cwd?: string;
}): TestCli {
  let out = '';
  let err = '';
  let code = 0;
  const shutdown = new AbortController();
  const runtimes: Runtime[] = [];
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const stdout = sink((t) => (out += t));
  const stderr = sink((t) => (err += t));
  const env: CliEnvironment = {
    stdout,
    stderr,
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    shutdownSignal: shutdown.signal,
    setExitCode: (c) => {
      code = Math.max(code, c);
    },
    async loadRuntime(load: LoadRuntimeOptions) {
      const runtime = await createRuntime(load, {
        providers: options.providers,
        env: options.env ?? {},
        cwd: options.cwd ?? process.cwd(),
        logDestination: stderr,
      });
      runtimes.push(runtime);
      return runtime;
    },
  };
  return {
    env,
    stdout: () => out,
    stderr: () => err,
    exitCode: () => code,
    runtimes,
    abort: () => shutdown.abort(),
  };
}

/** Runs `regcred ARGS` in-process and returns the test CLI for assertions. */
export async function runTestCli(args: string[], options: Parameters<typeof testCli>[0]): Promise<TestCli> {
  const cli = testCli(options);
  await runCli(args, cli.env, options.providers);
  return cli;
}
