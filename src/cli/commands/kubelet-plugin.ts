import type { Command } from 'commander';
import { answerCredentialProviderRequest } from '../../kubelet/answer.ts';
import { parseCredentialProviderRequest } from '../../kubelet/codec.ts';
import type { CliEnvironment } from '../cli-environment.ts';
import { readAll } from '../read-all.ts';

export function registerKubeletPluginCommand(program: Command, env: CliEnvironment): void {
  program
    .command('kubelet-plugin')
    .description(
      'answer one kubelet CredentialProviderRequest on stdin (the kubelet image credential provider exec plugin)',
    )
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals();
      // Parse before loading anything, so a malformed request fails fast and clearly.
      const request = parseCredentialProviderRequest(await readAll(env.stdin));
      const runtime = await env.loadRuntime({
        configPath: globals.config,
        logLevel: globals.logLevel,
        protocolOnStdout: true,
      });
      try {
        const response = await answerCredentialProviderRequest(request, runtime.credentials, {
          now: runtime.clock.now(),
          signal: env.shutdownSignal,
          longLivedCacheMs: 5 * 60_000,
          expiryMarginMs: 5 * 60_000,
        });
        env.stdout.write(`${JSON.stringify(response)}\n`);
      } finally {
        await runtime.close();
      }
    });
}
