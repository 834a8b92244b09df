import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { serve } from '@hono/node-server';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, errorMessage, isRegcredError } from '../../core/errors.ts';
import { IN_CLUSTER_NAMESPACE_FILE, loadKubeConfig } from '../../kube/kube-config.ts';
import { LeaderElection } from '../../kube/leader-election.ts';
import { createHealthApp } from '../../observability/health-app.ts';
import { SyncController } from '../../sync/controller.ts';
import { createSyncEngine } from '../../sync/engine.ts';
import { createSyncMetrics } from '../../sync/sync-metrics.ts';
import { compileTargets } from '../../sync/targets.ts';
import type { CliEnvironment } from '../cli-environment.ts';

interface RunFlags {
  config?: string;
  logLevel?: string;
  kubeconfig?: string;
  context?: string;
  metricsListen: string;
  leaderElect: boolean;
  leaseNamespace?: string;
  identity?: string;
}

/** Where /healthz, /readyz and /metrics listen by default: all interfaces, so kubelet probes reach them. */
export const DEFAULT_METRICS_LISTEN = '0.0.0.0:8080';

/**
 * `regcred run`: the daemon. Keeps every target's Secret current (watches, leader election, refresh per
 * credential expiry) until SIGTERM, then finishes in-flight writes and releases the lease.
 * Throws ConfigError on a bad config or flag; a runtime failure sets exit 1.
 */
export function registerRunCommand(program: Command, env: CliEnvironment): Command {
  return program
    .command('run')
    .description('keep registry Secrets fresh in every selected namespace (daemon, for a Deployment)')
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--metrics-listen <host:port>', '/healthz, /readyz and /metrics address', DEFAULT_METRICS_LISTEN)
    .option('--no-leader-elect', 'write without holding the Lease (only with a single replica)')
    .option(
      '--lease-namespace <ns>',
      'namespace of the leader Lease (default: sync.leaseNamespace, the pod namespace, default)',
    )
    .option(
      '--identity <id>',
      'this replica in the Lease (default: $POD_NAME or host name, plus a random suffix)',
    )
    .action(async (flags: RunFlags, command: Command) => {
      // --config and --log-level are the program's global options.
      await runDaemon({ ...flags, ...command.optsWithGlobals<Pick<RunFlags, 'config' | 'logLevel'>>() }, env);
    });
}

export function parseListen(value: string): { hostname: string; port: number } {
  const match = /^(?:\[?([^\]]*)\]?:)?(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw new ConfigError([
      { path: ['--metrics-listen'], message: `expected host:port or :port, got "${value}"` },
    ]);
  }
  return { hostname: match[1] || '0.0.0.0', port };
}

/** Flag, config, $POD_NAMESPACE, the in-cluster namespace file, the kubeconfig context's namespace, `default`. */
function leaseNamespace(
  flags: RunFlags,
  configured: string | undefined,
  env: CliEnvironment['env'],
  kubeConfig: KubeConfig,
): string {
  if (flags.leaseNamespace) return flags.leaseNamespace;
  if (configured) return configured;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  if (env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_NAMESPACE_FILE))
    return readFileSync(IN_CLUSTER_NAMESPACE_FILE, 'utf8').trim();
  return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
}

async function runDaemon(flags: RunFlags, env: CliEnvironment): Promise<void> {
  const listen = parseListen(flags.metricsListen);
  const runtime = await env.loadRuntime({ configPath: flags.config, logLevel: flags.logLevel });
  const logger = runtime.logger.child({ mode: 'run' });
  const identity = flags.identity ?? `${env.env.POD_NAME ?? hostname()}-${randomBytes(3).toString('hex')}`;
  try {
    compileTargets(runtime.config.secrets, runtime.credentials.registries, (host) =>
      runtime.credentials.match(host),
    );
    const settings = runtime.config.sync;
    const kubeConfig = loadKubeConfig({ path: flags.kubeconfig, context: flags.context, env: env.env });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'regcred_' });
    const metrics = createSyncMetrics(registry);
    const engine = await createSyncEngine({
      kubeConfig,
      source: runtime.credentials,
      secrets: runtime.config.secrets,
      settings,
      logger,
      clock: runtime.clock,
      scrubber: runtime.scrubber,
      metrics,
      identity,
      mode: 'daemon',
    });
    const leader = flags.leaderElect
      ? new LeaderElection({
          client: engine.client,
          namespace: leaseNamespace(flags, settings.leaseNamespace, env.env, kubeConfig),
          name: settings.leaseName,
          identity,
          leaseDurationMs: settings.leaseDuration,
          clock: runtime.clock,
          logger,
          onChange: (leading) => metrics.leader.set(leading ? 1 : 0),
        })
      : undefined;
    const controller = new SyncController({
      engine,
      settings,
      logger,
      clock: runtime.clock,
      metrics,
      ...(leader ? { leader } : {}),
    });
    const app = createHealthApp({ registry, ready: () => controller.readiness() });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve(
        { fetch: app.fetch, hostname: listen.hostname, port: listen.port },
        (info: AddressInfo) => {
          logger.info(
            { address: info.address, port: info.port, identity },
            `serving /healthz /readyz /metrics on ${info.address}:${info.port}`,
          );
          resolve(started);
        },
      );
    });
    const stopLeader = new AbortController();
    const leading = leader?.run(stopLeader.signal);
    try {
      await controller.run(env.shutdownSignal);
    } finally {
      // Only now, with in-flight writes finished, hand the lease over.
      stopLeader.abort();
      await leading;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.client.close();
      logger.info('stopped');
    }
  } catch (error) {
    if (isRegcredError(error, 'ERR_CONFIG_INVALID')) throw error;
    logger.error({ err: error }, `run failed: ${errorMessage(error)}`);
    env.stderr.write(`regcred: run failed: ${errorMessage(error)}\n`);
    env.setExitCode(1);
  } finally {
    await runtime.close();
  }
}
