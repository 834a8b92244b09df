import type { SyncSettings } from '../config/secrets-schema.ts';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { toNamespace, toSecret, toServiceAccount } from '../kube/convert.ts';
import { Informer } from '../kube/informer.ts';
import type { LeaderElection } from '../kube/leader-election.ts';
import type { NamespaceObject, SecretObject, ServiceAccountObject } from '../kube/types.ts';
import type { SyncEngine } from './engine.ts';
import { toNamespaceInfo } from './full-sync.ts';
import { isManagedBy, MANAGED_SELECTOR, TARGET_LABEL } from './ownership.ts';
import { Reason } from './reasons.ts';
import { backoffMs, nextRefreshAt, type RefreshTiming } from './refresh-schedule.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import type { CompiledTarget } from './targets.ts';
import { WorkQueue } from './work-queue.ts';

export interface ControllerOptions {
  readonly engine: SyncEngine;
  readonly settings: SyncSettings;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly metrics?: SyncMetrics;
  /** Undefined: this replica always writes (single replica, tests). */
  readonly leader?: LeaderElection;
  /** Credentials without expiry are re-read this often. Default: resyncPeriod. */
  readonly longLivedRefreshMs?: number;
  readonly random?: () => number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

/**
 * `regcred run`: informers on namespaces, managed Secrets and (when a target patches them)
 * ServiceAccounts feed a work queue of `target/namespace` keys; workers reconcile each key from the caches
 * (no read per key), only while this replica leads. Credentials are refreshed per registry at
 * `refreshFraction` of their life, with jitter; failures back off and keep the last good credential.
 */
export class SyncController {
  readonly #options: ControllerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;
  readonly queue: WorkQueue;
  readonly namespaces: Informer<NamespaceObject>;
  readonly secrets: Informer<SecretObject>;
  readonly serviceAccounts: Informer<ServiceAccountObject> | undefined;
  /** ServiceAccounts by namespace, kept by informer handlers (per-key reconciles must not scan all). */
  readonly #saIndex = new Map<string, Map<string, ServiceAccountObject>>();
  #initialSyncDone = false;
  #started = false;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#random = options.random ?? Math.random;
    this.queue = new WorkQueue(this.#clock);
    const { client } = options.engine;
    const informerBase = { clock: this.#clock, logger: this.#logger };
    this.namespaces = new Informer<NamespaceObject>({
      ...informerBase,
      name: 'namespaces',
      list: (signal) => client.listNamespaces({ signal }),
      watch: (rv, onEvent, signal) => client.watch('namespaces', { resourceVersion: rv, signal }, onEvent),
      convert: (raw) => toNamespace(raw as never),
      handlers: {
        onAdd: (ns) => this.#enqueueNamespace(ns.metadata.name),
        onUpdate: (ns, old) => {
          if (
            JSON.stringify(ns.metadata.labels ?? {}) !== JSON.stringify(old.metadata.labels ?? {}) ||
            ns.status?.phase !== old.status?.phase
          )
            this.#enqueueNamespace(ns.metadata.name);
        },
      },
    });
    this.secrets = new Informer<SecretObject>({
      ...informerBase,
      name: 'secrets',
      list: (signal) => client.listSecrets({ labelSelector: MANAGED_SELECTOR, signal }),
      watch: (rv, onEvent, signal) =>
        client.watch('secrets', { resourceVersion: rv, labelSelector: MANAGED_SELECTOR, signal }, onEvent),
      convert: (raw) => toSecret(raw as never),
      handlers: {
        onUpdate: (secret) => this.#enqueueSecret(secret),
        onDelete: (secret) => this.#enqueueSecret(secret),
      },
    });
    const targets = options.engine.targets;
    this.serviceAccounts = targets.some((t) => t.serviceAccounts.length > 0 || t.config.prune)
      ? new Informer<ServiceAccountObject>({
          ...informerBase,
          name: 'serviceaccounts',
          list: (signal) => client.listServiceAccounts({ signal }),
          watch: (rv, onEvent, signal) =>
            client.watch('serviceaccounts', { resourceVersion: rv, signal }, onEvent),
          convert: (raw) => toServiceAccount(raw as never),
          handlers: {
            onAdd: (sa) => this.#indexServiceAccount(sa, true),
            onUpdate: (sa) => this.#indexServiceAccount(sa, true),
            onDelete: (sa) => this.#indexServiceAccount(sa, false),
          },
        })
      : undefined;
  }

  get initialSyncDone(): boolean {
    return this.#initialSyncDone;
  }

  /** Ready: informers synced, credentials fresh and, when leading, the first full pass done. */
  readiness(): Readiness {
    if (!this.#started || !this.namespaces.hasSynced || !this.secrets.hasSynced)
      return { ready: false, reason: 'caches not synced yet' };
    const fresh = this.#options.engine.credentials.fresh(this.#clock.now());
    if (!fresh.fresh) return { ready: false, reason: fresh.reason };
    if (this.#isLeader() && !this.#initialSyncDone)
      return { ready: false, reason: 'initial sync in progress' };
    return {
      ready: true,
      reason: this.#isLeader() ? 'leader: credentials fresh, in sync' : 'standby: credentials fresh',
    };
  }

  /**
   * Runs until `signal` aborts, then stops taking work, lets in-flight writes finish and returns
   * (the caller releases the lease afterwards).
   */
  async run(signal: AbortSignal): Promise<void> {
    const { engine, settings } = this.#options;
    const stopInformers = new AbortController();
    const initial = await engine.credentials.refresh({ signal });
    this.#recordRefresh(initial);
    const informers = [this.namespaces, this.secrets, this.serviceAccounts].filter((i) => i !== undefined);
    const running = informers.map((informer) => informer.run(stopInformers.signal));
    await Promise.all(informers.map((informer) => informer.waitForSync(signal))).catch(() => {});
    this.#started = true;
    const loops = [
      ...engine.credentials.registries.map((state) => this.#refreshLoop(state.entry.name, signal)),
      this.#resyncLoop(signal),
      this.#leadershipLoop(signal),
    ];
    const workers = Array.from({ length: settings.concurrency }, () => this.#worker());
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.queue.shutDown();
    await Promise.all(workers);
    await Promise.all(loops);
    stopInformers.abort();
    await Promise.all(running);
  }

  #isLeader(): boolean {
    return this.#options.leader?.isLeader ?? true;
  }

  #writeSignal(): AbortSignal | undefined {
    return this.#options.leader?.leadershipSignal;
  }

  /** Enqueues everything when this replica starts leading; marks the initial sync once drained. */
  async #leadershipLoop(signal: AbortSignal): Promise<void> {
    let wasLeader = false;
    while (!signal.aborted) {
      const leading = this.#isLeader();
      this.#options.metrics?.leader.set(leading ? 1 : 0);
      if (leading && !wasLeader) {
        this.#initialSyncDone = false;
        this.enqueueAll();
        void this.queue.whenIdle().then(() => {
          if (this.#isLeader()) {
            this.#initialSyncDone = true;
            this.#logger.info({ namespaces: this.namespaces.size }, 'initial sync done');
          }
        });
      }
      wasLeader = leading;
      try {
        await this.#clock.sleep(leading ? 1_000 : 200, signal);
      } catch {
        return;
      }
    }
  }

  async #resyncLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#clock.sleep(this.#options.settings.resyncPeriod, signal);
      } catch {
        return;
      }
      if (this.#isLeader()) this.enqueueAll();
    }
  }

  #timing(): RefreshTiming {
    const s = this.#options.settings;
    return {
      fraction: s.refreshFraction,
      jitter: s.refreshJitter,
      marginMs: s.refreshMargin,
      longLivedMs: this.#options.longLivedRefreshMs ?? s.resyncPeriod,
      initialBackoffMs: s.initialBackoff,
      maxBackoffMs: s.maxBackoff,
    };
  }

  async #refreshLoop(name: string, signal: AbortSignal): Promise<void> {
    const credentials = this.#options.engine.credentials;
    while (!signal.aborted) {
      const state = credentials.state(name);
      if (!state) return;
      const now = this.#clock.now();
      const first = state.credentials.values().next().value;
      const at =
        state.failures > 0 || first === undefined
          ? now + backoffMs(Math.max(1, state.failures), this.#timing(), this.#random)
          : nextRefreshAt(
              { expiresAt: credentials.expiresAt(name) ?? null },
              state.fetchedAt,
              now,
              this.#timing(),
              this.#random,
            );
      try {
        await this.#clock.sleep(Math.max(0, at - now), signal);
      } catch {
        return;
      }
      const outcomes = await credentials.refresh({ names: [name], forceRefresh: true, signal });
      this.#recordRefresh(outcomes);
    }
  }

  #recordRefresh(outcomes: Awaited<ReturnType<SyncEngine['credentials']['refresh']>>): void {
    const { metrics, engine } = this.#options;
    for (const outcome of outcomes) {
      metrics?.refreshes.inc({ registry: outcome.registry, result: outcome.ok ? 'success' : 'failure' });
      const expires = engine.credentials.expiresAt(outcome.registry);
      if (expires) metrics?.credentialExpiry.set({ registry: outcome.registry }, expires.getTime() / 1000);
      if (!outcome.ok) {
        const state = engine.credentials.state(outcome.registry);
        this.#logger.error(
          {
            registry: outcome.registry,
            reason: Reason.CredentialRefreshFailed,
            failures: state?.failures,
            err: outcome.error,
          },
          `refreshing registry ${outcome.registry} failed (keeping the last good credential): ${errorMessage(outcome.error)}`,
        );
      } else if (outcome.rotated) {
        this.#logger.info({ registry: outcome.registry }, `registry ${outcome.registry} credential rotated`);
        for (const target of engine.targets)
          if (target.registries.has(outcome.registry)) this.#enqueueTarget(target);
      }
    }
  }

  /** Every selected namespace of every target, plus managed Secrets outside the selection (prune). */
  enqueueAll(): void {
    for (const target of this.#options.engine.targets) this.#enqueueTarget(target);
  }

  #enqueueTarget(target: CompiledTarget): void {
    for (const ns of this.namespaces.list())
      if (target.namespaces.matches(toNamespaceInfo(ns)))
        this.queue.add(`${target.name}/${ns.metadata.name}`);
    if (target.config.prune) {
      for (const secret of this.secrets.list())
        if (isManagedBy(secret.metadata, target.name))
          this.queue.add(`${target.name}/${secret.metadata.namespace}`);
    }
  }

  #enqueueNamespace(namespace: string): void {
    for (const target of this.#options.engine.targets) this.queue.add(`${target.name}/${namespace}`);
  }

  #enqueueSecret(secret: SecretObject): void {
    const target = secret.metadata.labels?.[TARGET_LABEL];
    if (target && secret.metadata.namespace && secret.metadata.name === target)
      this.queue.add(`${target}/${secret.metadata.namespace}`);
  }

  #indexServiceAccount(sa: ServiceAccountObject, present: boolean): void {
    const ns = sa.metadata.namespace ?? '';
    let byName = this.#saIndex.get(ns);
    if (!byName) {
      byName = new Map();
      this.#saIndex.set(ns, byName);
    }
    if (present) byName.set(sa.metadata.name, sa);
    else byName.delete(sa.metadata.name);
    if (present) {
      for (const target of this.#options.engine.targets) {
        if (target.serviceAccounts.length > 0 || target.config.prune) this.queue.add(`${target.name}/${ns}`);
      }
    }
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        if (this.#isLeader()) await this.#reconcileKey(key);
      } catch (error) {
        this.#logger.error({ key, err: error }, `reconcile ${key} failed: ${errorMessage(error)}`);
        this.#requeue(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  #requeue(key: string): void {
    const attempt = this.queue.recordFailure(key);
    this.queue.addAfter(key, backoffMs(attempt, this.#timing(), this.#random));
  }

  async #reconcileKey(key: string): Promise<void> {
    const started = this.#clock.now();
    const slash = key.indexOf('/');
    const targetName = key.slice(0, slash);
    const namespace = key.slice(slash + 1);
    const target = this.#options.engine.targets.find((t) => t.name === targetName);
    if (!target) return;
    const { reconciler } = this.#options.engine;
    const ns = this.namespaces.get(undefined, namespace);
    const existing = this.secrets.get(namespace, targetName);
    const serviceAccounts = [...(this.#saIndex.get(namespace)?.values() ?? [])];
    const info = ns ? toNamespaceInfo(ns) : undefined;
    const selected = info !== undefined && !info.terminating && target.namespaces.matches(info);
    const signal = this.#writeSignal();
    if (!selected) {
      if (
        info &&
        !info.terminating &&
        existing &&
        target.config.prune &&
        isManagedBy(existing.metadata, target.name)
      ) {
        const outcome = await reconciler.prune(target, existing, serviceAccounts, signal);
        if (outcome.result === 'failed') this.#requeue(key);
        else this.queue.forget(key);
      }
      return;
    }
    const outcome = await reconciler.reconcileSecret(target, namespace, existing, signal);
    if (outcome.secret) this.secrets.upsert(outcome.secret);
    let failed = outcome.result === 'failed';
    if (!failed && outcome.result !== 'not-managed' && serviceAccounts.length > 0) {
      const { errors, patched } = await reconciler.reconcileServiceAccounts(
        target,
        namespace,
        serviceAccounts,
        signal,
      );
      for (const sa of patched) {
        this.#saIndex.get(namespace)?.set(sa.metadata.name, sa);
        this.serviceAccounts?.upsert(sa);
      }
      failed = errors.length > 0;
    }
    this.#options.metrics?.reconcileDuration.observe(
      { kind: 'namespace' },
      (this.#clock.now() - started) / 1000,
    );
    if (failed) this.#requeue(key);
    else this.queue.forget(key);
  }
}
