import type { ResourceInfo } from './resources.ts';
import { badRequest, invalid, type StatusCause } from './status.ts';
import { stableStringify } from './strategy.ts';
import type { KubeObject } from './types.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  message: 'Required value',
  field,
});
const badValue = (field: string, value: unknown, detail: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
  field,
});

function validateName(r: ResourceInfo, name: string | undefined, causes: StatusCause[]): void {
  if (name === undefined || name === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
    return;
  }
  if (r.key === 'namespaces') {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      causes.push(
        badValue(
          'metadata.name',
          name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        ),
      );
    }
    return;
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    causes.push(
      badValue(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      ),
    );
  }
}

function validateQualifiedKey(key: string): boolean {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

function validateMeta(obj: KubeObject, causes: StatusCause[]): void {
  const labels = obj.metadata.labels ?? {};
  for (const [k, v] of Object.entries(labels)) {
    if (!validateQualifiedKey(k))
      causes.push(badValue('metadata.labels', k, 'name part must be a valid qualified name'));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      causes.push(
        badValue(
          `metadata.labels`,
          v,
          'a valid label must be an empty string or consist of alphanumeric characters',
        ),
      );
    }
  }
  let size = 0;
  for (const [k, v] of Object.entries(obj.metadata.annotations ?? {})) {
    if (!validateQualifiedKey(k))
      causes.push(badValue('metadata.annotations', k, 'name part must be a valid qualified name'));
    size += k.length + String(v).length;
  }
  if (size > 256 * 1024) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: 'Too long: must have at most 262144 bytes',
      field: 'metadata.annotations',
    });
  }
}

/**
 * What the real server rejects while decoding the body (before validation): 400 BadRequest,
 * e.g. Secret data that is not base64.
 */
export function checkDecodable(r: ResourceInfo, obj: KubeObject): void {
  const fields = r.key === 'secrets' ? ['data'] : r.key === 'configmaps' ? ['binaryData'] : [];
  for (const field of fields) {
    const data = obj[field];
    if (data === undefined || data === null) continue;
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw badRequest(
        `${r.kind} in version "v1" cannot be handled as a ${r.kind}: ${field} must be an object`,
      );
    }
    for (const value of Object.values(data)) {
      if (typeof value !== 'string' || !BASE64.test(value)) {
        throw badRequest(
          `${r.kind} in version "v1" cannot be handled as a ${r.kind}: illegal base64 data at input byte ${firstBadByte(String(value))}`,
        );
      }
    }
  }
}

function firstBadByte(value: string): number {
  const i = value.search(/[^A-Za-z0-9+/=]/);
  return i >= 0 ? i : value.length - (value.length % 4);
}

function validateSecret(obj: KubeObject, old: KubeObject | undefined, causes: StatusCause[]): void {
  const data = (obj.data ?? {}) as Record<string, string>;
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    if (k.length > 253 || !CONFIG_KEY.test(k)) {
      causes.push(
        badValue(
          `data[${k}]`,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        ),
      );
    }
    total += Math.floor((v.length * 3) / 4);
  }
  if (total > 1024 * 1024)
    causes.push({
      reason: 'FieldValueTooLong',
      message: 'Too long: must have at most 1048576 bytes',
      field: 'data',
    });
  const type = obj.type as string;
  const requireJsonKey = (key: string): void => {
    const value = data[key];
    if (value === undefined) {
      causes.push(required(`data[${key}]`));
      return;
    }
    try {
      JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
    } catch (err) {
      causes.push(badValue(`data[${key}]`, '<secret contents redacted>', (err as Error).message));
    }
  };
  if (type === 'kubernetes.io/dockerconfigjson') requireJsonKey('.dockerconfigjson');
  if (type === 'kubernetes.io/dockercfg') requireJsonKey('.dockercfg');
  if (type === 'kubernetes.io/basic-auth' && data.username === undefined && data.password === undefined) {
    causes.push(required('data[username]'));
  }
  if (old) {
    if (old.type !== obj.type) causes.push(badValue('type', obj.type, 'field is immutable'));
    if (old.immutable === true) {
      if (stableStringify(old.data ?? {}) !== stableStringify(obj.data ?? {})) {
        causes.push({
          reason: 'FieldValueForbidden',
          message: 'Forbidden: field is immutable when `immutable` is set',
          field: 'data',
        });
      }
      if (obj.immutable !== true)
        causes.push(badValue('immutable', obj.immutable, 'field is immutable when `immutable` is set'));
    }
  }
}

function validateConfigMap(obj: KubeObject, causes: StatusCause[]): void {
  for (const field of ['data', 'binaryData']) {
    for (const k of Object.keys((obj[field] ?? {}) as object)) {
      if (k.length > 253 || !CONFIG_KEY.test(k))
        causes.push(
          badValue(`${field}[${k}]`, k, 'a valid config key must consist of alphanumeric characters'),
        );
    }
  }
}

function validateServiceAccount(obj: KubeObject, causes: StatusCause[]): void {
  const list = obj.imagePullSecrets;
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) {
    causes.push(badValue('imagePullSecrets', list, 'must be a list'));
    return;
  }
  list.forEach((ref, i) => {
    if (ref === null || typeof ref !== 'object')
      causes.push(badValue(`imagePullSecrets[${i}]`, ref, 'must be an object'));
  });
}

function validateLease(obj: KubeObject, causes: StatusCause[]): void {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  const duration = spec.leaseDurationSeconds;
  if (duration !== undefined && (typeof duration !== 'number' || duration <= 0)) {
    causes.push(badValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  }
  const transitions = spec.leaseTransitions;
  if (transitions !== undefined && (typeof transitions !== 'number' || transitions < 0)) {
    causes.push(badValue('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  }
}

/** Kinds whose scope the real Event validation knows (it checks involvedObject.namespace against it). */
const KIND_SCOPE: Record<string, boolean> = {
  Namespace: false,
  Node: false,
  ClusterRole: false,
  ClusterRoleBinding: false,
  PersistentVolume: false,
  Secret: true,
  ServiceAccount: true,
  ConfigMap: true,
  Lease: true,
  Pod: true,
  Deployment: true,
  StatefulSet: true,
  DaemonSet: true,
  Job: true,
  CronJob: true,
  Service: true,
  Event: true,
};

/**
 * Event validation as in k8s.io/kubernetes/pkg/apis/core/validation (legacyValidateEvent) and the
 * events.k8s.io rules: an Event about a cluster-scoped object (a Namespace) must not carry
 * involvedObject.namespace and lives in `default` (or `kube-system` for new-style events); an Event
 * about a namespaced object must live in that object's namespace. New-style events (eventTime set,
 * always for events.k8s.io/v1) need reportingController, reportingInstance, action and reason.
 */
function validateEvent(obj: KubeObject, eventsV1: boolean, causes: StatusCause[]): void {
  const refField = eventsV1 ? 'regarding' : 'involvedObject';
  const ref = (obj[refField] ?? {}) as { kind?: string; namespace?: string };
  const refNs = ref.namespace ?? '';
  const ns = obj.metadata.namespace ?? '';
  const newStyle = eventsV1 || (obj.eventTime !== undefined && obj.eventTime !== null);
  if (!newStyle) {
    if (refNs === '' ? ns !== '' && ns !== 'default' : ns !== refNs) {
      causes.push(badValue(`${refField}.namespace`, refNs, 'does not match event.namespace'));
    }
  } else {
    if (refNs === '' && ns !== 'default' && ns !== 'kube-system') {
      causes.push(badValue(`${refField}.namespace`, refNs, 'does not match event.namespace'));
    }
    if (eventsV1 && (obj.eventTime === undefined || obj.eventTime === null))
      causes.push(required('eventTime'));
    const controller = eventsV1 ? 'reportingController' : 'reportingComponent';
    if (!obj.reportingController && !obj.reportingComponent) causes.push(required(controller));
    if (!obj.reportingInstance) causes.push(required('reportingInstance'));
    if (!obj.action) causes.push(required('action'));
    if (!obj.reason) causes.push(required('reason'));
  }
  const namespaced = ref.kind === undefined ? undefined : KIND_SCOPE[ref.kind];
  if (namespaced === true && refNs === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: `Required value: required for kind ${ref.kind}`,
      field: `${refField}.namespace`,
    });
  }
  if (namespaced === false && refNs !== '') {
    causes.push(badValue(`${refField}.namespace`, refNs, `not allowed for kind ${ref.kind}`));
  }
}

/** The real ValidateCreate/ValidateUpdate for the fields regcred touches; throws 422 Invalid. */
export function validateObject(r: ResourceInfo, obj: KubeObject, old: KubeObject | undefined): void {
  const causes: StatusCause[] = [];
  validateName(r, obj.metadata.name, causes);
  validateMeta(obj, causes);
  if (r.key === 'secrets') validateSecret(obj, old, causes);
  if (r.key === 'configmaps') validateConfigMap(obj, causes);
  if (r.key === 'serviceaccounts') validateServiceAccount(obj, causes);
  if (r.key === 'leases.coordination.k8s.io') validateLease(obj, causes);
  if (r.key === 'events') validateEvent(obj, false, causes);
  if (r.key === 'events.events.k8s.io') validateEvent(obj, true, causes);
  if (causes.length > 0) throw invalid(r, obj.metadata.name ?? '', causes);
}
