import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { RegcredError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { NamespaceObject, SecretObject, ServiceAccountObject } from '../kube/types.ts';
import type { NamespaceInfo } from './namespace-selection.ts';
import { isManagedBy, MANAGED_SELECTOR, TARGET_LABEL } from './ownership.ts';
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
  readonly outcomes: SecretOutcome[];
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
  const secretIndex = new Map<string, SecretObject>();
  for (const secret of secrets.items)
    secretIndex.set(`${secret.metadata.namespace}/${secret.metadata.name}`, secret);
  const saIndex = new Map<string, ServiceAccountObject[]>();
  for (const sa of serviceAccounts.items) {
    const ns = sa.metadata.namespace ?? '';
    let list = saIndex.get(ns);
    if (!list) {
      list = [];
      saIndex.set(ns, list);
    }
    list.push(sa);
  }

  const tasks: (() => Promise<SecretOutcome>)[] = [];
  const selected = new Map<string, Set<string>>();
  for (const target of targets) {
    const names = new Set<string>();
    selected.set(target.name, names);
    for (const ns of namespaces.items.map(toNamespaceInfo)) {
      if (ns.terminating || !target.namespaces.matches(ns)) continue;
      names.add(ns.name);
      const existing = secretIndex.get(`${ns.name}/${target.name}`);
      tasks.push(() => syncNamespace(options, target, ns.name, existing, saIndex.get(ns.name) ?? []));
    }
    if (target.config.prune) {
      for (const secret of secrets.items) {
        const ns = secret.metadata.namespace ?? '';
        if (
          secret.metadata.labels?.[TARGET_LABEL] !== target.name ||
          !isManagedBy(secret.metadata, target.name)
        )
          continue;
        if (names.has(ns) || secret.metadata.name !== target.name) continue;
        tasks.push(() => reconciler.prune(target, secret, saIndex.get(ns) ?? [], options.writeSignal));
      }
    }
  }

  // A pass keeps only the result of each namespace, not the written object (10,000 Secrets' worth of data).
  const outcomes = await runPool(
    tasks.map((task) => async () => {
      const { secret: _written, ...outcome } = await task();
      return outcome;
    }),
    options.concurrency,
    signal,
  );
  const failures: Failure[] = [];
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    counts[outcome.result] = (counts[outcome.result] ?? 0) + 1;
    if (outcome.error)
      failures.push({ target: outcome.target, namespace: outcome.namespace, error: outcome.error });
  }
  for (const target of targets) {
    const mine = outcomes.filter((o) => o.target === target.name && o.result !== 'deleted');
    const count = (pred: (o: SecretOutcome) => boolean) => mine.filter(pred).length;
    options.metrics?.namespaces.set(
      { target: target.name, state: 'in_sync' },
      count((o) => ['created', 'updated', 'unchanged'].includes(o.result) && !o.error),
    );
    options.metrics?.namespaces.set(
      { target: target.name, state: 'failed' },
      count((o) => o.error !== undefined),
    );
    options.metrics?.namespaces.set(
      { target: target.name, state: 'not_managed' },
      count((o) => o.result === 'not-managed'),
    );
  }
  options.metrics?.reconcileDuration.observe({ kind: 'full' }, (clock.now() - started) / 1000);
  options.logger.info(
    { counts, failures: failures.length, durationMs: clock.now() - started },
    'sync pass finished',
  );
  return { outcomes, failures, counts };
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

/** Runs tasks with at most `limit` in flight; stops starting new ones once `signal` aborts. */
export async function runPool<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
  signal?: AbortSignal,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !signal?.aborted) {
      const task = tasks[next++];
      if (task) results.push(await task());
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}
