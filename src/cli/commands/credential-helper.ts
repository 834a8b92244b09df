import type { Command } from 'commander';
import { ErrorCode, errorMessage, isRegcredError } from '../../core/errors.ts';
import { parseRegistryHost } from '../../core/registry-host.ts';
import type { CliEnvironment } from '../cli-environment.ts';
import { readAll } from '../read-all.ts';
import { VERSION } from '../version.ts';

/** The exact text docker and containers tools recognise as "no credentials" (PROTOCOLS §8). */
export const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';

const ACTIONS = ['get', 'list', 'version', 'store', 'erase'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * The docker credential helper protocol: one action, input on stdin, answer on stdout. Every failure prints
 * its message on stdout and exits 1, as the protocol asks; logs go to stderr only.
 */
export async function runCredentialHelper(
  action: string,
  env: CliEnvironment,
  options: { configPath?: string | undefined; logLevel?: string | undefined } = {},
): Promise<void> {
  if (!(ACTIONS as readonly string[]).includes(action)) {
    fail(env, `unknown credential helper action "${action}": expected one of ${ACTIONS.join(', ')}`);
    return;
  }
  try {
    await perform(action as Action, env, options);
  } catch (error) {
    if (isRegcredError(error, ErrorCode.RegistryNotConfigured)) {
      fail(env, NOT_FOUND_MESSAGE);
      return;
    }
    fail(env, `regcred: ${errorMessage(error)}`);
  }
}

async function perform(
  action: Action,
  env: CliEnvironment,
  options: { configPath?: string | undefined; logLevel?: string | undefined },
): Promise<void> {
  switch (action) {
    case 'version':
      env.stdout.write(`docker-credential-regcred (regcred) ${VERSION}\n`);
      return;
    case 'store':
    case 'erase':
      // Drain stdin so the caller does not see a broken pipe, then refuse.
      await readAll(env.stdin);
      fail(
        env,
        `regcred does not ${action} credentials: they come fresh from the providers in the regcred config; remove the "credsStore"/"credHelpers" entry for this registry to ${action === 'store' ? 'keep a password in the docker config instead' : 'stop using regcred for it'}`,
      );
      return;
    case 'get': {
      const serverUrl = (await readAll(env.stdin)).trim();
      if (serverUrl === '') {
        fail(env, 'no server URL on stdin');
        return;
      }
      let host: string;
      try {
        host = parseRegistryHost(serverUrl);
      } catch {
        fail(env, NOT_FOUND_MESSAGE);
        return;
      }
      const runtime = await env.loadRuntime({ ...options, protocolOnStdout: true });
      try {
        if (runtime.credentials.match(host) === undefined) {
          fail(env, NOT_FOUND_MESSAGE);
          return;
        }
        const credential = await runtime.credentials.getCredential(host, { signal: env.shutdownSignal });
        env.stdout.write(
          `${JSON.stringify({ ServerURL: serverUrl, Username: credential.username, Secret: credential.password })}\n`,
        );
      } finally {
        await runtime.close();
      }
      return;
    }
    case 'list': {
      const runtime = await env.loadRuntime({ ...options, protocolOnStdout: true });
      try {
        const listing: Record<string, string> = {};
        for (const { hosts } of await runtime.credentials.listHosts({ signal: env.shutdownSignal })) {
          for (const host of hosts) {
            try {
              listing[host] = (
                await runtime.credentials.getCredential(host, { signal: env.shutdownSignal })
              ).username;
            } catch (error) {
              runtime.logger.warn(
                { registry: host, err: error },
                'leaving a registry out of the list: no credential',
              );
            }
          }
        }
        env.stdout.write(`${JSON.stringify(listing)}\n`);
      } finally {
        await runtime.close();
      }
      return;
    }
  }
}

function fail(env: CliEnvironment, message: string): void {
  env.stdout.write(`${message}\n`);
  env.setExitCode(1);
}

export function registerCredentialHelperCommand(program: Command, env: CliEnvironment): void {
  program
    .command('credential-helper')
    .description('speak the docker credential helper protocol (as docker-credential-regcred does)')
    .argument('<action>', `one of ${ACTIONS.join(', ')}`)
    .action(async (action: string, _flags: unknown, command: Command) => {
      const globals = command.optsWithGlobals();
      await runCredentialHelper(action, env, { configPath: globals.config, logLevel: globals.logLevel });
    });
}
