import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of secret sync. Names and labels are part of the public contract (docs/sync.md). */
export interface SyncMetrics {
  readonly credentialExpiry: Gauge<'registry'>;
  readonly refreshes: Counter<'registry' | 'result'>;
  readonly secretWrites: Counter<'target' | 'result'>;
  readonly namespaces: Gauge<'target' | 'state'>;
  readonly notManaged: Counter<'target'>;
  readonly leader: Gauge;
  readonly reconcileDuration: Histogram<'kind'>;
  readonly serviceAccountPatches: Counter<'result'>;
}

export function createSyncMetrics(registry: Registry): SyncMetrics {
  const registers = [registry];
  return {
    credentialExpiry: new Gauge({
      name: 'regcred_credential_expiry_timestamp_seconds',
      help: 'Unix time at which the current credential of each registry expires (absent: long-lived).',
      labelNames: ['registry'],
      registers,
    }),
    refreshes: new Counter({
      name: 'regcred_credential_refresh_total',
      help: 'Credential refreshes by registry and result (success, failure).',
      labelNames: ['registry', 'result'],
      registers,
    }),
    secretWrites: new Counter({
      name: 'regcred_secret_writes_total',
      help: 'Secret operations by target and result (created, updated, deleted, failed, conflict).',
      labelNames: ['target', 'result'],
      registers,
    }),
    namespaces: new Gauge({
      name: 'regcred_namespaces',
      help: 'Selected namespaces by target and state (in_sync, failed, not_managed) after the last pass.',
      labelNames: ['target', 'state'],
      registers,
    }),
    notManaged: new Counter({
      name: 'regcred_secret_not_managed_total',
      help: 'Times a same-named Secret regcred does not manage was found and left alone.',
      labelNames: ['target'],
      registers,
    }),
    leader: new Gauge({
      name: 'regcred_leader',
      help: '1 while this replica holds the leader Lease.',
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'regcred_reconcile_duration_seconds',
      help: 'Duration of reconciles: one namespace (kind=namespace) or a full pass (kind=full).',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    serviceAccountPatches: new Counter({
      name: 'regcred_serviceaccount_patches_total',
      help: 'ServiceAccount imagePullSecrets patches by result (added, removed, failed).',
      labelNames: ['result'],
      registers,
    }),
  };
}
