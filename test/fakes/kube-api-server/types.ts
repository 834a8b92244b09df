/** Object metadata as the API server stores it. Only the fields the fake reads are typed. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** One metadata.managedFields entry, in the real FieldsV1 format. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** Any Kubernetes object: apiVersion and kind select the resource. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'other';

/** One request as the fake saw it, recorded after the answer was sent (or the watch opened). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  verb: Verb;
  /** API group: '' for core/v1. */
  group: string;
  /** Plural resource name ('secrets', 'leases'); '' for discovery and unknown paths. */
  resource: string;
  namespace?: string;
  name?: string;
  /** Subresource ('status'), when the path has one. */
  subresource?: string;
  contentType?: string;
  /** HTTP status sent (200 for a watch that opened). */
  status: number;
  /** Parsed request body for writes (JSON or YAML), undefined otherwise. */
  body?: unknown;
}

export interface FaultRule {
  verb?: Verb | Verb[];
  /** Plural resource name, e.g. 'secrets'. */
  resource?: string;
  namespace?: string;
  name?: string;
  status: 403 | 404 | 409 | 422 | 429 | 500 | 503;
  message?: string;
  /** Retry-After header (seconds) for 429/503; default 1 for 429. */
  retryAfterSeconds?: number;
  /** How many matching requests fail; default: forever. */
  times?: number;
}

export interface FaultInjector {
  add(rule: FaultRule): void;
  clear(): void;
}

/**
 * Direct access to the stored objects. Bypasses the API (no validation, faults, latency), but
 * bumps resourceVersion and emits watch events like an API write would.
 * `resource` is the plural name ('secrets'), or 'resource.group' ('events.events.k8s.io') when a
 * plural exists in two groups; plain 'events' means core/v1 events.
 */
export interface FakeStore {
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
  /** Create or replace; assigns uid, resourceVersion, creationTimestamp. Returns the stored copy. */
  put(obj: KubeObject): KubeObject;
  /** Remove now (a namespace takes its objects with it). No-op when absent. */
  delete(resource: string, namespace: string | undefined, name: string): void;
  /** The current global resourceVersion. */
  readonly resourceVersion: string;
}
