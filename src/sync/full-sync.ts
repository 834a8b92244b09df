import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { RegcredError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { NamespaceObject, SecretObject, ServiceAccountObject } from '../kube/types.ts';
import type { NamespaceInfo } from './namespace-selection.ts';
import { indexSecrets, indexServiceAccounts } from './object-index.ts';
import { isManagedBy, MANAGED_SELECTOR } from './ownership.ts';
import type { Reconciler, SecretOutcome } from './reconciler.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import type { CompiledTarget } from './targets.ts';

export interface FullSyncOptions {
  readonly client: KubeClient;
  readonly reconciler: Reconciler;
  readonly targets: readonly CompiledTarget[];
  readonly logger: Logger;
  readonly metrics?: SyncMetrics;
  /** Namespaces processed at once (the client's limiter bounds the API calls themselves). */
  readonly concurrency: number;
  /** Stops the pass: no new namespace is started once it aborts (in-flight writes finish). */
  readonly signal?: AbortSignal;
  /** Aborts in-flight writes (run mode: leadership lost). */
  readonly writeSignal?: AbortSignal;
  readonly clock?: Clock;
}

export interface Failure {
  readonly target: string;
  readonly namespace: string;
  readonly error: RegcredError;
}

export interface SyncReport {
  readonly failures: Failure[];
  readonly counts: Record<string, number>;
}

export function toNamespaceInfo(ns: NamespaceObject): NamespaceInfo {
  return {
    name: ns.metadata.name,
    labels: ns.metadata.labels ?? {},
    terminating: ns.status?.phase === 'Terminating' || ns.metadata.deletionTimestamp !== undefined,
  };
}

/**
 * One pass over the cluster: 1 list of namespaces, 1 list of managed Secrets, 1 list of ServiceAccounts
 * when a target patches them (each paginated by 500), then one write per Secret that must change and
 * nothing for the rest. This is how a first sync stays near one API call per namespace.
 */
export async function runFullSync(options: FullSyncOptions): Promise<SyncReport> {
  const { client, reconciler, targets, signal } = options;
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const listOptions = signal ? { signal } : {};
  const needServiceAccounts = targets.some((t) => t.serviceAccounts.length > 0 || t.config.prune);
  const [namespaces, secrets, serviceAccounts] = await Promise.all([
    client.listNamespaces(listOptions),
    client.listSecrets({ ...listOptions, labelSelector: MANAGED_SELECTOR }),
    needServiceAccounts
      ? client.listServiceAccounts(listOptions)
      : Promise.resolve({ items: [], resourceVersion: '' }),
  ]);
  const secretIndex = indexSecrets(secrets.items);
  const saIndex = indexServiceAccounts(serviceAccounts.items);

  // Work is generated as the pool pulls it (no 10,000 closures up front) and each outcome is counted and
  // dropped: a pass keeps its failures, not a result object (or the written Secret) per namespace.
  function* work(): Generator<() => Promise<SecretOutcome>> {
    for (const target of targets) {
      const names = new Set<string>();
      for (const ns of namespaces.items) {
        const info = toNamespaceInfo(ns);
        if (info.terminating || !target.namespaces.matches(info)) continue;
        names.add(info.name);
        const existing = secretIndex.get(`${info.name}/${target.name}`);
        yield () => syncNamespace(options, target, info.name, existing, saIndex.get(info.name) ?? []);
      }
      if (!target.config.prune) continue;
      // Generated after every namespace of the target, so `names` is complete.
      for (const secret of secrets.items) {
        const ns = secret.metadata.namespace ?? '';
        if (!isManagedBy(secret.metadata, target.name)) continue;
        if (names.has(ns) || secret.metadata.name !== target.name) continue;
        yield () => reconciler.prune(target, secret, saIndex.get(ns) ?? [], options.writeSignal);
      }
    }
  }

  const failures: Failure[] = [];
  const counts: Record<string, number> = {};
  const states = new Map<string, { inSync: number; failed: number; notManaged: number }>(
    targets.map((t) => [t.name, { inSync: 0, failed: 0, notManaged: 0 }]),
  );
  await runBounded(
    work(),
    options.concurrency,
    async (task) => {
      const outcome = await task();
      counts[outcome.result] = (counts[outcome.result] ?? 0) + 1;
      if (outcome.error)
        failures.push({ target: outcome.target, namespace: outcome.namespace, error: outcome.error });
      const state = states.get(outcome.target);
      if (!state || outcome.result === 'deleted') return;
      if (outcome.error !== undefined) state.failed++;
      else if (['created', 'updated', 'unchanged'].includes(outcome.result)) state.inSync++;
      if (outcome.result === 'not-managed') state.notManaged++;
    },
    signal,
  );
  for (const [target, state] of states) {
    options.metrics?.namespaces.set({ target, state: 'in_sync' }, state.inSync);
    options.metrics?.namespaces.set({ target, state: 'failed' }, state.failed);
    options.metrics?.namespaces.set({ target, state: 'not_managed' }, state.notManaged);
  }
  options.metrics?.reconcileDuration.observe({ kind: 'full' }, (clock.now() - started) / 1000);
  options.logger.info(
    { counts, failures: failures.length, durationMs: clock.now() - started },
    'sync pass finished',
  );
  return { failures, counts };
}

async function syncNamespace(
  options: FullSyncOptions,
  target: CompiledTarget,
  namespace: string,
  existing: SecretObject | undefined,
  serviceAccounts: readonly ServiceAccountObject[],
): Promise<SecretOutcome> {
  const outcome = await options.reconciler.reconcileSecret(target, namespace, existing, options.writeSignal);
  if (outcome.result === 'failed' || outcome.result === 'not-managed') return outcome;
  if (target.serviceAccounts.length === 0 && !target.config.prune) return outcome;
  const { errors } = await options.reconciler.reconcileServiceAccounts(
    target,
    namespace,
    serviceAccounts,
    options.writeSignal,
  );
  const first = errors[0];
  return first ? { ...outcome, error: first } : outcome;
}

/**
 * Pulls items from `items` as workers free up, at most `limit` in flight; stops pulling once `signal`
 * aborts (work already started finishes). The iterable is consumed lazily.
 */
export async function runBounded<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let exhausted = false;
  const worker = async () => {
    while (!exhausted && !signal?.aborted) {
      const next = iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}

/** Runs tasks with at most `limit` in flight and collects their results; stops starting new ones once `signal` aborts. */
export async function runPool<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
  signal?: AbortSignal,
): Promise<T[]> {
  const results: T[] = [];
  await runBounded(
    tasks,
    Math.min(limit, tasks.length),
    async (task) => {
      results.push(await task());
    },
    signal,
  );
  return results;
}
