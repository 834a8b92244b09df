import type { Command } from 'commander';
import type { ProviderRegistry } from '../../core/provider-registry.ts';
import type { CliEnvironment } from '../cli-environment.ts';

export function registerProvidersCommand(
  program: Command,
  env: CliEnvironment,
  providers: ProviderRegistry,
): void {
  program
    .command('providers')
    .description('list the built-in providers (external ones are named by package or path in the config)')
    .action(async () => {
      for (const factory of await providers.list())
        env.stdout.write(`${factory.id.padEnd(10)} ${factory.description}\n`);
    });
}
