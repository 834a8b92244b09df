import type { Command } from 'commander';
import type { CliEnvironment } from '../cli-environment.ts';

export function registerCheckConfigCommand(program: Command, env: CliEnvironment): void {
  program
    .command('check-config')
    .description('validate the config file and every provider entry, then exit (2 when invalid)')
    .action(async (_flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals();
      const runtime = await env.loadRuntime({ configPath: globals.config, logLevel: globals.logLevel });
      try {
        const lines = runtime.credentials.registries.map(
          (r) =>
            `  ${r.name} (${r.providerId}): ${r.hosts.length > 0 ? r.hosts.join(', ') : '(hosts discovered at run time)'}`,
        );
        env.stdout.write(`${runtime.configPath} is valid\nregistries:\n${lines.join('\n')}\n`);
      } finally {
        await runtime.close();
      }
    });
}
