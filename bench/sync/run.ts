// Secret-sync benchmark: regcred vs a naive controller, same fake API server (own process, 5–10 ms per
// call), same QPS budget and concurrency. Run: `npm run bench:sync` (Node 24 strips the types).
// Env: BENCH_NAMESPACES (10000), BENCH_QPS (1000), BENCH_CONCURRENCY (32), BENCH_CLOUD_MS (50).
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { secretTargetSchema, syncSettingsSchema } from '../../src/config/secrets-schema.ts';
import type { Clock } from '../../src/core/clock.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { Credential } from '../../src/core/credential.ts';
import type {
  CredentialRequestOptions,
  CredentialSource,
  RegistryEntry,
} from '../../src/core/credential-source.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createKubeClient, type KubeClient } from '../../src/kube/kube-client.ts';
import { RateLimiter } from '../../src/kube/rate-limiter.ts';
import { SyncController } from '../../src/sync/controller.ts';
import { authsKey, encodeDockerConfig, toDockerAuth } from '../../src/sync/docker-config.ts';
import { createSyncEngine } from '../../src/sync/engine.ts';
import { runFullSync, runPool } from '../../src/sync/full-sync.ts';

// The measured process runs with the V8 options regcred is deployed with (deploy/overlays/deployment:
// NODE_OPTIONS, a 2 MB young generation and an old space capped below the container limit). Without them
// V8 sizes its heap from the machine's memory and a 10,000-namespace pass leaves ~390 MB RSS of uncollected
// garbage on a large host. Node cannot resize its heap once started, so the bench re-runs itself with them.
// Both sides run in this one process: the baseline gets the same settings.
// BENCH_NODE_OPTIONS overrides (`BENCH_NODE_OPTIONS= npm run bench:sync`: Node's defaults).
const deployedNodeOptions =
  process.env.BENCH_NODE_OPTIONS ??
  /name: NODE_OPTIONS, value: "([^"]*)"/.exec(
    readFileSync(new URL('../../deploy/overlays/deployment/deployment.yaml', import.meta.url), 'utf8'),
  )?.[1] ??
  '';
if (process.env.BENCH_REEXEC === undefined && (process.env.NODE_OPTIONS ?? '') !== deployedNodeOptions) {
  const rerun = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: deployedNodeOptions, BENCH_REEXEC: '1' },
  });
  process.exit(rerun.status ?? 1);
}

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 10_000);
const QPS = Number(process.env.BENCH_QPS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const CLOUD_MS = Number(process.env.BENCH_CLOUD_MS ?? 50);
const NEW_NAMESPACES = 200;

const REGISTRIES: RegistryEntry[] = [
  { name: 'ecr', providerId: 'ecr', hosts: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com'] },
  { name: 'gar', providerId: 'gcr', hosts: ['europe-docker.pkg.dev'] },
  { name: 'acr', providerId: 'acr', hosts: ['contoso.azurecr.io'] },
];

/** A cloud behind a cache, like the real CredentialSource: CLOUD_MS per fetch, counted. */
class BenchCredentials implements CredentialSource {
  readonly registries = REGISTRIES;
  cloudCalls = 0;
  readonly #cache = new Map<string, Promise<Credential>>();
  readonly #cached: boolean;
  constructor(cached: boolean) {
    this.#cached = cached;
  }
  match(host: string) {
    return REGISTRIES.find((r) => r.hosts.includes(host));
  }
  async fetch(host: string): Promise<Credential> {
    this.cloudCalls++;
    await new Promise((resolve) => setTimeout(resolve, CLOUD_MS));
    return {
      username: 'AWS',
      password: `token-for-${host}`,
      expiresAt: new Date(Date.now() + 12 * 3_600_000),
      hosts: [host],
    };
  }
  getCredential(host: string, options: CredentialRequestOptions = {}): Promise<Credential> {
    if (!this.#cached) return this.fetch(host);
    let pending = this.#cache.get(host);
    if (!pending || options.forceRefresh) {
      pending = this.fetch(host);
      this.#cache.set(host, pending);
    }
    return pending;
  }
  async listHosts() {
    return REGISTRIES.map((entry) => ({ entry, hosts: [...entry.hosts] }));
  }
  async close() {}
}

type Reply = { total: number; writes: number; byVerb: Record<string, number> };
const child = fork(fileURLToPath(new URL('./fake-api-child.ts', import.meta.url)), [], {
  env: { ...process.env, BENCH_NAMESPACES: String(NAMESPACES) },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
let nextId = 0;
const waiting = new Map<number, (value: unknown) => void>();
let readyResolve: (kubeconfig: string) => void = () => {};
const ready = new Promise<string>((resolve) => {
  readyResolve = resolve;
});
child.on('message', (raw) => {
  const message = raw as { id?: number; result?: unknown; ready?: boolean; kubeconfig?: string };
  if (message.ready && message.kubeconfig) readyResolve(message.kubeconfig);
  else if (message.id !== undefined) waiting.get(message.id)?.(message.result);
});
function ask<T>(op: string, extra: Record<string, unknown> = {}): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve) => {
    waiting.set(id, (value) => resolve(value as T));
    child.send({ id, op, ...extra });
  });
}

const clock: Clock = systemClock;
const logger = silentLogger();
const kubeconfigYaml = await ready;
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(kubeconfigYaml);
const settings = syncSettingsSchema.parse({ qps: QPS, burst: QPS, concurrency: CONCURRENCY });

async function regcredPass(
  secretName: string,
  include = ['*'],
): Promise<{ ms: number; api: Reply; cloud: number }> {
  const source = new BenchCredentials(true);
  const engine = await createSyncEngine({
    kubeConfig,
    source,
    secrets: [secretTargetSchema.parse({ name: secretName, namespaces: { include } })],
    settings,
    logger,
    clock,
    identity: 'bench',
    mode: 'oneshot',
  });
  await ask('reset');
  const started = performance.now();
  const cpu = process.cpuUsage();
  await engine.credentials.refresh();
  await runFullSync({
    client: engine.client,
    reconciler: engine.reconciler,
    targets: engine.targets,
    logger,
    concurrency: CONCURRENCY,
    clock,
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (process.env.BENCH_MEM)
    console.log(
      `regcred pass: ${ms.toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU in this process`,
    );
  await engine.client.close();
  return { ms, api: await ask<Reply>('stats'), cloud: source.cloudCalls };
}

/** The older controllers: per namespace, fetch every registry's token, GET the Secret, then create or update it. */
async function naivePass(secretName: string): Promise<{ ms: number; api: Reply; cloud: number }> {
  const source = new BenchCredentials(false);
  const client: KubeClient = await createKubeClient({
    kubeConfig,
    limiter: new RateLimiter({ qps: QPS, burst: QPS, concurrency: CONCURRENCY }),
  });
  await ask('reset');
  const started = performance.now();
  const namespaces = await client.listNamespaces();
  // The same namespaces regcred's first sync saw (not the ones the daemon phase added).
  const tasks = namespaces.items
    .filter((ns) => ns.metadata.name.startsWith('ns-'))
    .map((ns) => async () => {
      const name = ns.metadata.name;
      const credentials = await Promise.all(REGISTRIES.map((r) => source.getCredential(r.hosts[0] ?? '')));
      const auths = Object.fromEntries(
        REGISTRIES.map((r, i) => [
          authsKey(r.hosts[0] ?? ''),
          toDockerAuth(credentials[i] ?? { username: '', password: '' }),
        ]),
      );
      const body = {
        apiVersion: 'v1' as const,
        kind: 'Secret' as const,
        metadata: { name: secretName, namespace: name },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': encodeDockerConfig({ auths }) },
      };
      const existing = await client.getSecret(name, secretName);
      if (existing)
        await client.replaceSecret({
          ...body,
          metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion ?? '' },
        });
      else await client.createSecret(body);
    });
  await runPool(tasks, CONCURRENCY);
  const ms = performance.now() - started;
  await client.close();
  return { ms, api: await ask<Reply>('stats'), cloud: source.cloudCalls };
}

async function daemonDelays(): Promise<{ p50: number; p99: number; missing: number; writesIdle: number }> {
  const source = new BenchCredentials(true);
  const engine = await createSyncEngine({
    kubeConfig,
    source,
    secrets: [secretTargetSchema.parse({ name: 'regcred' })],
    settings,
    logger,
    clock,
    identity: 'bench-daemon',
    mode: 'daemon',
  });
  const controller = new SyncController({ engine, settings, logger, clock });
  const stop = new AbortController();
  const running = controller.run(stop.signal);
  while (!controller.initialSyncDone) await new Promise((resolve) => setTimeout(resolve, 50));
  await ask('reset');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = await ask<Reply>('stats');
  for (let i = 0; i < NEW_NAMESPACES; i++) {
    await ask('addNamespaces', { names: [`new-${i}`], secretName: 'regcred' });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const { delays, missing } = await ask<{ delays: number[]; missing: number }>('delays');
  stop.abort();
  await running;
  await engine.client.close();
  delays.sort((a, b) => a - b);
  const pct = (p: number) =>
    delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))] ?? Number.NaN;
  return { p50: pct(50), p99: pct(99), missing, writesIdle: idle.writes };
}

/** Peak RSS while `work` runs, sampled every 20 ms (maxRSS only grows, so it cannot isolate one phase). */
async function sampledPeakRss<T>(work: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await work();
    return [result, Math.max(peak, process.memoryUsage.rss()) / 1e6];
  } finally {
    clearInterval(timer);
  }
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 0) : 'n/a');
console.log(
  `regcred secret-sync benchmark: ${NAMESPACES} namespaces, 3 registries, API latency 5–10 ms, cloud ${CLOUD_MS} ms, qps ${QPS}, concurrency ${CONCURRENCY}, NODE_OPTIONS='${process.env.NODE_OPTIONS ?? ''}'`,
);
const mem = (label: string) => {
  (globalThis as { gc?: () => void }).gc?.();
  if (process.env.BENCH_MEM)
    console.log(
      `${label}: rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB, total ${(process.memoryUsage().heapTotal / 1e6).toFixed(0)} MB, external ${(process.memoryUsage().external / 1e6).toFixed(0)} MB, ab ${(process.memoryUsage().arrayBuffers / 1e6).toFixed(0)} MB`,
    );
};
mem('start');
// Warm-up of the client, the server and the connection pool on 100 namespaces and a throwaway Secret
// name, so the first measured pass is not also the process's cold start (the baseline runs warm).
await regcredPass('warmup', ['ns-000*']);
const [first, firstRssMb] = await sampledPeakRss(() => regcredPass('regcred'));
mem('after first sync');
const resync = await regcredPass('regcred');
mem('after resync');
// Peak RSS of regcred's work only: measured before the baseline runs in this process.
const daemon = await daemonDelays();
mem('after daemon');
const rssMb = process.resourceUsage().maxRSS / 1024;
const naive = await naivePass('naive');
const naiveResync = await naivePass('naive');
await ask('close');

const rows: [string, string, string, string][] = [
  ['', 'regcred', 'naive baseline', 'target'],
  [
    'API calls, first sync',
    String(first.api.total),
    String(naive.api.total),
    `≤ ${Math.floor(1.05 * NAMESPACES)}`,
  ],
  ['API calls / namespace', fmt(first.api.total / NAMESPACES), fmt(naive.api.total / NAMESPACES), '≤ 1.05'],
  ['cloud calls, first sync', String(first.cloud), String(naive.cloud), '1 per identity (3)'],
  ['first sync wall time (s)', fmt(first.ms / 1000), fmt(naive.ms / 1000), ''],
  ['baseline / regcred (first sync)', fmt(naive.ms / first.ms), '', '≥ 3'],
  ['writes, no-change resync', String(resync.api.writes), String(naiveResync.api.writes), '0'],
  ['API calls, no-change resync', String(resync.api.total), String(naiveResync.api.total), ''],
  ['writes while idle (daemon, 1 s)', String(daemon.writesIdle), '', '0'],
  ['new namespace → Secret p50 (ms)', fmt(daemon.p50), '', ''],
  ['new namespace → Secret p99 (ms)', fmt(daemon.p99), '', '< 2000'],
  ['new namespaces without Secret', String(daemon.missing), '', '0'],
  ['peak RSS during first sync (MB)', fmt(firstRssMb), '', '< 200'],
  ['peak RSS regcred process (MB)', fmt(rssMb), '', '< 200'],
];
const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  │  '));
console.log(`\nregcred first-sync calls: ${JSON.stringify(first.api.byVerb)}`);
console.log(`naive first-sync calls:   ${JSON.stringify(naive.api.byVerb)}`);
