import type { Command } from 'commander';
import { startProxy } from '../../proxy/proxy-server.ts';
import type { CliEnvironment } from '../cli-environment.ts';

/** `regcred proxy`: the local registry auth proxy; runs until env.shutdownSignal fires. */
export function registerProxyCommand(program: Command, env: CliEnvironment): void {
  program
    .command('proxy')
    .description(
      'serve a local registry endpoint that pulls from the configured registries with fresh credentials',
    )
    .option('--listen <host:port>', 'client-facing address (default: proxy.listen, 127.0.0.1:5000)')
    .option(
      '--metrics-listen <host:port>',
      'health and metrics address, "" to disable (default: proxy.metricsListen)',
    )
    .action(async (flags: { listen?: string; metricsListen?: string }, command: Command) => {
      const globals = command.optsWithGlobals<{ config?: string; logLevel?: string }>();
      const runtime = await env.loadRuntime({ configPath: globals.config, logLevel: globals.logLevel });
      try {
        // An absent `proxy:` section parses to the defaults: mirror mode for every configured registry.
        const config = runtime.config.proxy;
        const proxy = await startProxy({
          config,
          credentials: runtime.credentials,
          dispatcher: runtime.dispatcher,
          logger: runtime.logger.child({ mode: 'proxy' }),
          clock: runtime.clock,
          scrubber: runtime.scrubber,
          listen: flags.listen,
          metricsListen: flags.metricsListen,
        });
        await waitForAbort(env.shutdownSignal);
        runtime.logger.info('proxy shutting down');
        await proxy.close();
      } finally {
        await runtime.close();
      }
    });
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
