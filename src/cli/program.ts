import { Command, Option } from 'commander';
import type { ProviderRegistry } from '../core/provider-registry.ts';
import type { CliEnvironment } from './cli-environment.ts';
import { VERSION } from './version.ts';

type Register = (program: Command, env: CliEnvironment, providers: ProviderRegistry) => void;

/**
 * Every command, loaded on demand: `regcred image` or the credential helper must not pay for importing the
 * Kubernetes client or the proxy's HTTP stack.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  image: async () => (await import('./commands/image.ts')).registerImageCommand,
  'get-credentials': async () =>
    (await import('./commands/get-credentials.ts')).registerGetCredentialsCommand,
  'credential-helper': async () =>
    (await import('./commands/credential-helper.ts')).registerCredentialHelperCommand,
  sync: async () => (await import('./commands/sync.ts')).registerSyncCommand,
  run: async () => (await import('./commands/run.ts')).registerRunCommand,
  proxy: async () => (await import('./commands/proxy.ts')).registerProxyCommand,
  'kubelet-plugin': async () => (await import('./commands/kubelet-plugin.ts')).registerKubeletPluginCommand,
  'check-config': async () => (await import('./commands/check-config.ts')).registerCheckConfigCommand,
  providers: async () => (await import('./commands/providers.ts')).registerProvidersCommand,
};

/** Global options that take a value, so the command name can be found after them. */
const VALUE_OPTIONS = new Set(['-c', '--config', '--log-level']);

/** The command named in `args`, if any: the first argument that is neither an option nor an option's value. */
export function commandName(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') return args[i + 1];
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/**
 * The `regcred` command tree, with only the command `args` names (or all of them, for help and errors).
 * Commands write to env streams and never exit the process themselves.
 */
export async function buildProgram(
  env: CliEnvironment,
  providers: ProviderRegistry,
  args: readonly string[] = [],
): Promise<Command> {
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
  const wanted = commandName(args);
  const names = wanted !== undefined && wanted in COMMANDS ? [wanted] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((name) => (COMMANDS[name] as () => Promise<Register>)()));
  for (const register of registers) register(program, env, providers);
  return program;
}
