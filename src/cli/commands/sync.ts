import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { Option } from 'commander';
import { errorMessage, isRegcredError } from '../../core/errors.ts';
import { loadKubeConfig } from '../../kube/kube-config.ts';
import { CredentialSet } from '../../sync/credential-set.ts';
import { planAgainstCluster, planOffline, renderObjects } from '../../sync/dry-run.ts';
import { createSyncEngine } from '../../sync/engine.ts';
import { runFullSync } from '../../sync/full-sync.ts';
import { type CompiledTarget, compileTargets } from '../../sync/targets.ts';
import type { CliEnvironment } from '../cli-environment.ts';

interface SyncFlags {
  config?: string;
  logLevel?: string;
  kubeconfig?: string;
  context?: string;
  namespace: string[];
  dryRun?: boolean;
  output: 'yaml' | 'json';
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `regcred sync`: one pass over every target, then exit — 0 all written, 1 some namespaces or
 * registries failed (each named on stderr), 2 config error (ConfigError thrown to the caller).
 */
export function registerSyncCommand(program: Command, env: CliEnvironment): Command {
  return program
    .command('sync')
    .description('write every configured registry Secret once, then exit (for a CronJob)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option(
      '-n, --namespace <name>',
      'only these namespaces (repeatable); with --dry-run and no cluster, render for them',
      collect,
      [],
    )
    .option('--dry-run', 'print the Secrets and ServiceAccount changes instead of writing them')
    .addOption(
      new Option('-o, --output <format>', 'dry-run output format').choices(['yaml', 'json']).default('yaml'),
    )
    .action(async (flags: SyncFlags, command: Command) => {
      // --config and --log-level are the program's global options.
      await runSync({ ...flags, ...command.optsWithGlobals<Pick<SyncFlags, 'config' | 'logLevel'>>() }, env);
    });
}

async function runSync(flags: SyncFlags, env: CliEnvironment): Promise<void> {
  const runtime = await env.loadRuntime({ configPath: flags.config, logLevel: flags.logLevel });
  const logger = runtime.logger.child({ mode: 'sync' });
  try {
    // Config problems first (exit 2), before any cluster or cloud call.
    const targets = compileTargets(runtime.config.secrets, runtime.credentials.registries, (host) =>
      runtime.credentials.match(host),
    );
    let kubeConfig: KubeConfig | undefined;
    try {
      kubeConfig = loadKubeConfig({ path: flags.kubeconfig, context: flags.context, env: env.env });
    } catch (error) {
      if (!flags.dryRun) throw error;
      logger.warn(`no cluster configured (${errorMessage(error)}); rendering offline`);
    }
    if (flags.dryRun) {
      await dryRun(flags, env, runtime, kubeConfig, targets);
      return;
    }
    if (!kubeConfig) return;
    const engine = await createSyncEngine({
      kubeConfig,
      source: runtime.credentials,
      secrets: runtime.config.secrets,
      settings: runtime.config.sync,
      logger,
      clock: runtime.clock,
      scrubber: runtime.scrubber,
      identity: `regcred-sync-${hostname()}`,
      mode: 'oneshot',
    });
    try {
      const refreshed = await engine.credentials.refresh({ signal: env.shutdownSignal });
      for (const outcome of refreshed) {
        if (!outcome.ok && outcome.error) {
          logger.error(
            { registry: outcome.registry, err: outcome.error },
            `registry ${outcome.registry} failed: ${outcome.error.message}`,
          );
          env.stderr.write(`regcred: registry ${outcome.registry}: ${outcome.error.message}\n`);
          env.setExitCode(1);
        }
      }
      const selected =
        flags.namespace.length === 0
          ? engine.targets
          : engine.targets.map((t) => restrict(t, flags.namespace));
      const report = await runFullSync({
        client: engine.client,
        reconciler: engine.reconciler,
        targets: selected,
        logger,
        concurrency: runtime.config.sync.concurrency,
        signal: env.shutdownSignal,
        clock: runtime.clock,
      });
      for (const failure of report.failures) {
        env.stderr.write(
          `regcred: target ${failure.target} failed in namespace ${failure.namespace}: ${failure.error.message}\n`,
        );
      }
      if (report.failures.length > 0) env.setExitCode(1);
      if (env.shutdownSignal.aborted) {
        env.stderr.write('regcred: interrupted; namespaces not reached will be synced next run\n');
        env.setExitCode(1);
      }
      const summary = Object.entries(report.counts)
        .map(([result, count]) => `${count} ${result}`)
        .join(', ');
      env.stderr.write(`regcred: sync finished: ${summary || 'no namespace selected'}\n`);
    } finally {
      await engine.client.close();
    }
  } catch (error) {
    if (isRegcredError(error, 'ERR_CONFIG_INVALID')) throw error;
    logger.error({ err: error }, `sync failed: ${errorMessage(error)}`);
    env.stderr.write(`regcred: sync failed: ${errorMessage(error)}\n`);
    env.setExitCode(1);
  } finally {
    await runtime.close();
  }
}

/**
 * The target limited to `--namespace` names. Pruning is off for such a run: every other namespace would
 * look "no longer selected" and lose its Secret.
 */
function restrict(target: CompiledTarget, only: readonly string[]): CompiledTarget {
  const inner = target.namespaces;
  return {
    ...target,
    config: { ...target.config, prune: false },
    namespaces: { ...inner, matches: (ns) => only.includes(ns.name) && inner.matches(ns) },
  };
}

async function dryRun(
  flags: SyncFlags,
  env: CliEnvironment,
  runtime: Awaited<ReturnType<CliEnvironment['loadRuntime']>>,
  kubeConfig: KubeConfig | undefined,
  targets: CompiledTarget[],
): Promise<void> {
  const logger = runtime.logger.child({ mode: 'sync', dryRun: true });
  const credentials = new CredentialSet({
    source: runtime.credentials,
    clock: runtime.clock,
    logger,
    scrubber: runtime.scrubber,
  });
  for (const outcome of await credentials.refresh({ signal: env.shutdownSignal })) {
    if (!outcome.ok && outcome.error) {
      env.stderr.write(`regcred: registry ${outcome.registry}: ${outcome.error.message}\n`);
      env.setExitCode(1);
    }
  }
  let result: Awaited<ReturnType<typeof planAgainstCluster>> | undefined;
  if (kubeConfig) {
    const engine = await createSyncEngine({
      kubeConfig,
      source: runtime.credentials,
      secrets: runtime.config.secrets,
      settings: { ...runtime.config.sync },
      logger,
      clock: runtime.clock,
      identity: 'regcred-dry-run',
      mode: 'oneshot',
    });
    try {
      result = await planAgainstCluster(engine.client, targets, credentials, flags.namespace);
    } catch (error) {
      logger.warn(`cluster not reachable (${errorMessage(error)}); rendering offline`);
      env.stderr.write(
        `regcred: cluster not reachable (${errorMessage(error)}); rendering for named namespaces\n`,
      );
    } finally {
      await engine.client.close();
    }
  }
  if (!result) {
    result = planOffline(targets, credentials, flags.namespace);
    if (result.objects.length === 0) {
      env.stderr.write(
        'regcred: no cluster and no namespace named: pass --namespace <name> (or name namespaces in the config)\n',
      );
    }
  }
  for (const note of result.notes) env.stderr.write(`regcred: ${note}\n`);
  env.stdout.write(renderObjects(result.objects, flags.output, flags.output === 'yaml' ? result.notes : []));
}
