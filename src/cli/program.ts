import { Command, Option } from 'commander';
import type { ProviderRegistry } from '../core/provider-registry.ts';
import type { CliEnvironment } from './cli-environment.ts';
import { registerCheckConfigCommand } from './commands/check-config.ts';
import { registerCredentialHelperCommand } from './commands/credential-helper.ts';
import { registerGetCredentialsCommand } from './commands/get-credentials.ts';
import { registerImageCommand } from './commands/image.ts';
import { registerProvidersCommand } from './commands/providers.ts';
import { VERSION } from './version.ts';

/** The `regcred` command tree. Commands write to env streams and never exit the process themselves. */
export function buildProgram(env: CliEnvironment, providers: ProviderRegistry): Command {
  const program = new Command('regcred')
    .description(
      'Keeps container registry credentials fresh for Kubernetes: ECR, Google, ACR and any registry.',
    )
    .version(VERSION, '-V, --version')
    .addOption(
      new Option(
        '-c, --config <file>',
        'config file (default: $REGCRED_CONFIG, then ~/.config/regcred/config.yaml, /etc/regcred/config.yaml)',
      ),
    )
    .addOption(
      new Option('--log-level <level>', 'log level (logs go to stderr as JSON)').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
        'silent',
      ]),
    )
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => env.stdout.write(text),
      writeErr: (text) => env.stderr.write(text),
    })
    .exitOverride();
  registerImageCommand(program, env);
  registerGetCredentialsCommand(program, env);
  registerCredentialHelperCommand(program, env);
  registerCheckConfigCommand(program, env);
  registerProvidersCommand(program, env, providers);
  return program;
}
