import type {
  CoreV1Event,
  V1Lease,
  V1Namespace,
  V1ObjectMeta,
  V1Secret,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type { EventBody } from './kube-client.ts';
import type {
  LeaseObject,
  NamespaceObject,
  ObjectMeta,
  SecretObject,
  ServiceAccountObject,
} from './types.ts';

// client-node models (from typed calls) and raw JSON (from watches) share field names; these read both
// into regcred's plain shapes, keeping only what regcred uses.

export type V1SecretBody = V1Secret;
export type V1LeaseBody = V1Lease;

type MetaLike = Pick<
  V1ObjectMeta,
  'name' | 'namespace' | 'uid' | 'resourceVersion' | 'labels' | 'annotations'
> & {
  deletionTimestamp?: Date | string;
};

export function toMeta(meta: MetaLike | undefined): ObjectMeta {
  const out: ObjectMeta = { name: meta?.name ?? '' };
  if (meta?.namespace) out.namespace = meta.namespace;
  if (meta?.uid) out.uid = meta.uid;
  if (meta?.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta?.labels) out.labels = { ...meta.labels };
  if (meta?.annotations) out.annotations = { ...meta.annotations };
  if (meta?.deletionTimestamp) out.deletionTimestamp = new Date(meta.deletionTimestamp).toISOString();
  return out;
}

export function toSecret(secret: V1Secret): SecretObject {
  const out: SecretObject = { apiVersion: 'v1', kind: 'Secret', metadata: toMeta(secret.metadata) };
  if (secret.type) out.type = secret.type;
  if (secret.data) out.data = { ...secret.data };
  return out;
}

export function toNamespace(namespace: V1Namespace): NamespaceObject {
  const out: NamespaceObject = { apiVersion: 'v1', kind: 'Namespace', metadata: toMeta(namespace.metadata) };
  if (namespace.status?.phase) out.status = { phase: namespace.status.phase };
  return out;
}

export function toServiceAccount(sa: V1ServiceAccount): ServiceAccountObject {
  const out: ServiceAccountObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: toMeta(sa.metadata),
  };
  if (sa.imagePullSecrets)
    out.imagePullSecrets = sa.imagePullSecrets.map((ref) => ({ name: ref.name ?? '' }));
  return out;
}

export function toLease(lease: V1Lease): LeaseObject {
  const spec = lease.spec ?? {};
  const time = (value: Date | string | undefined) => (value ? new Date(value).toISOString() : null);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: toMeta(lease.metadata),
    spec: {
      holderIdentity: spec.holderIdentity ?? null,
      ...(spec.leaseDurationSeconds === undefined ? {} : { leaseDurationSeconds: spec.leaseDurationSeconds }),
      acquireTime: time(spec.acquireTime),
      renewTime: time(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

function fromMeta(meta: ObjectMeta): V1ObjectMeta {
  const out: V1ObjectMeta = { name: meta.name };
  if (meta.namespace !== undefined) out.namespace = meta.namespace;
  if (meta.resourceVersion !== undefined) out.resourceVersion = meta.resourceVersion;
  if (meta.labels !== undefined) out.labels = meta.labels;
  if (meta.annotations !== undefined) out.annotations = meta.annotations;
  return out;
}

export function v1Secret(secret: SecretObject): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: fromMeta(secret.metadata),
    ...(secret.type === undefined ? {} : { type: secret.type }),
    ...(secret.data === undefined ? {} : { data: secret.data }),
  };
}

export function v1Lease(lease: LeaseObject): V1Lease {
  const time = (value: string | null | undefined) => (value ? new Date(value) : undefined);
  const acquireTime = time(lease.spec.acquireTime);
  const renewTime = time(lease.spec.renewTime);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: fromMeta(lease.metadata),
    spec: {
      ...(lease.spec.holderIdentity ? { holderIdentity: lease.spec.holderIdentity } : {}),
      ...(lease.spec.leaseDurationSeconds === undefined
        ? {}
        : { leaseDurationSeconds: lease.spec.leaseDurationSeconds }),
      ...(acquireTime ? { acquireTime } : {}),
      ...(renewTime ? { renewTime } : {}),
      ...(lease.spec.leaseTransitions === undefined ? {} : { leaseTransitions: lease.spec.leaseTransitions }),
    },
  };
}

export function toEvent(event: EventBody): CoreV1Event {
  const suffix = `${event.time.getTime().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${event.involvedObject.name}.${suffix}`, namespace: event.namespace },
    involvedObject: event.involvedObject,
    reason: event.reason,
    message: event.message,
    type: event.type,
    count: 1,
    firstTimestamp: event.time,
    lastTimestamp: event.time,
    source: { component: 'regcred' },
    reportingComponent: 'regcred',
    reportingInstance: event.reportingInstance,
  };
}
