import type { ProviderRegistry } from '../core/provider-registry.ts';
import type { CliEnvironment } from './cli-environment.ts';
import { createRuntime } from './runtime.ts';

/** The real CliEnvironment: process streams, env and signals. The only place that touches `process`. */
export function processEnvironment(providers: ProviderRegistry): CliEnvironment {
  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) {
      // A second signal: the operator wants out now.
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    shutdown.abort(new Error(`received ${signal}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    shutdownSignal: shutdown.signal,
    setExitCode(code) {
      const current = typeof process.exitCode === 'number' ? process.exitCode : 0;
      if (code > current) process.exitCode = code;
    },
    loadRuntime: (options) =>
      createRuntime(options, {
        providers,
        env: process.env,
        cwd: process.cwd(),
        logDestination: process.stderr,
      }),
  };
}
