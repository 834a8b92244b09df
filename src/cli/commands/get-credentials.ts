import { type Command, Option } from 'commander';
import { dockerConfigJson } from '../../core/docker-config.ts';
import { parseImageReference } from '../../core/image-reference.ts';
import { parseRegistryHost } from '../../core/registry-host.ts';
import type { CliEnvironment } from '../cli-environment.ts';

/** What to match config `hosts` against: the host, or host/repository when an image was given. */
export function credentialSubject(input: string): { host: string; subject: string } {
  const host = parseRegistryHost(input);
  if (input.includes('://') || !input.includes('/')) return { host, subject: host };
  const ref = parseImageReference(input);
  return { host, subject: `${ref.registry}/${ref.repository}` };
}

export function registerGetCredentialsCommand(program: Command, env: CliEnvironment): void {
  program
    .command('get-credentials')
    .description('print the credential for a registry (or an image) from the configured providers')
    .argument('<registry-or-image>', 'registry host[:port], server URL, or image reference')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['json', 'password', 'dockerconfigjson'])
        .default('json'),
    )
    .action(async (input: string, flags: { output: string }, command: Command) => {
      const { host, subject } = credentialSubject(input);
      const runtime = await env.loadRuntime({
        configPath: command.optsWithGlobals().config,
        logLevel: command.optsWithGlobals().logLevel,
        protocolOnStdout: true,
      });
      try {
        const credential = await runtime.credentials.getCredential(subject, { signal: env.shutdownSignal });
        if (flags.output === 'password') {
          env.stdout.write(`${credential.password}\n`);
        } else if (flags.output === 'dockerconfigjson') {
          env.stdout.write(`${JSON.stringify(dockerConfigJson([{ host, credential }]))}\n`);
        } else {
          env.stdout.write(
            `${JSON.stringify({
              registry: host,
              username: credential.username,
              password: credential.password,
              expiresAt: credential.expiresAt?.toISOString() ?? null,
            })}\n`,
          );
        }
      } finally {
        await runtime.close();
      }
    });
}
