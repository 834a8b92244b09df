import { CommanderError } from 'commander';
import { ConfigError, errorMessage, isRegcredError } from '../core/errors.ts';
import type { ProviderRegistry } from '../core/provider-registry.ts';
import { SecretScrubber } from '../core/redaction.ts';
import type { CliEnvironment } from './cli-environment.ts';
import { buildProgram } from './program.ts';

/** Exit statuses: 0 success, 1 runtime failure, 2 invalid config or usage. */
export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 2;

/** Runs `regcred` with `args` (without node and script) and maps every failure to a message and an exit code. */
export async function runCli(
  args: readonly string[],
  env: CliEnvironment,
  providers: ProviderRegistry,
): Promise<void> {
  try {
    const program = await buildProgram(env, providers, args);
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    reportError(error, env);
  }
}

export function reportError(error: unknown, env: CliEnvironment): void {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage errors were already printed by commander.
    env.setExitCode(error.exitCode === 0 ? 0 : EXIT_CONFIG);
    return;
  }
  // Messages never carry secrets by construction; scrubbing the known shapes is the second net.
  const scrub = (text: string) => new SecretScrubber().scrub(text);
  if (error instanceof ConfigError) {
    env.stderr.write(`regcred: ${scrub(error.message)}\n`);
    env.setExitCode(EXIT_CONFIG);
    return;
  }
  if (isRegcredError(error)) {
    env.stderr.write(`regcred: ${scrub(error.message)} (${error.code})\n`);
  } else {
    env.stderr.write(`regcred: unexpected error: ${scrub(errorMessage(error))}\n`);
  }
  env.setExitCode(EXIT_FAILURE);
}
