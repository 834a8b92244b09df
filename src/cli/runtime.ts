import { loadConfig, resolveConfigPath } from '../config/load.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { closeDispatcher, createDispatcher } from '../core/http-dispatcher.ts';
import { createLogger } from '../core/logger.ts';
import { assertProviderInstance } from '../core/provider-contract.ts';
import type { ProviderRegistry } from '../core/provider-registry.ts';
import { SecretScrubber } from '../core/redaction.ts';
import { type BuiltRegistry, RegistrySet } from '../core/registry-set.ts';
import type { LoadRuntimeOptions, Runtime } from './cli-environment.ts';

export interface RuntimeDependencies {
  readonly providers: ProviderRegistry;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Where log lines go (stderr in production). */
  readonly logDestination: NodeJS.WritableStream;
  readonly clock?: Clock;
}

/** How long outbound requests in flight may take to finish when a command shuts down. */
const DISPATCHER_GRACE_MS = 5_000;

/** Loads the config and builds everything a command needs. Throws ConfigError (exit 2). */
export async function createRuntime(
  options: LoadRuntimeOptions,
  deps: RuntimeDependencies,
): Promise<Runtime> {
  const configPath = resolveConfigPath(options.configPath, deps.env, deps.cwd);
  const loaded = await loadConfig(configPath, { providers: deps.providers, cwd: deps.cwd });
  const scrubber = new SecretScrubber();
  const defaultLevel = options.protocolOnStdout ? 'warn' : loaded.config.log.level;
  const logger = createLogger({
    level: options.logLevel ?? deps.env.REGCRED_LOG_LEVEL ?? defaultLevel,
    destination: deps.logDestination,
    scrubber,
  });
  const clock = deps.clock ?? systemClock;
  const dispatcher = createDispatcher({ env: deps.env });
  const built: BuiltRegistry[] = loaded.registries.map((resolved) => {
    const provider = resolved.factory.create(resolved.providerConfig, {
      logger: logger.child({ registry: resolved.entry.name, provider: resolved.factory.id }),
      clock,
      dispatcher,
      env: deps.env,
      configDir: loaded.dir,
      registerSecret: (secret) => scrubber.add(secret),
    });
    assertProviderInstance(
      provider,
      `provider "${resolved.factory.id}" (registries entry "${resolved.entry.name}")`,
    );
    return { entry: resolved.entry, provider, refresh: resolved.refresh, timeoutMs: resolved.timeoutMs };
  });
  const credentials = new RegistrySet(built, {
    clock,
    logger,
    registerSecret: (secret) => scrubber.add(secret),
  });
  return {
    config: loaded.config,
    configPath,
    logger,
    clock,
    dispatcher,
    credentials,
    scrubber,
    async close() {
      await credentials.close();
      await closeDispatcher(dispatcher, DISPATCHER_GRACE_MS);
    },
  };
}
