import type {
  LeaseObject,
  NamespaceObject,
  ObjectList,
  SecretObject,
  ServiceAccountObject,
  WatchEvent,
} from './types.ts';

// What regcred does with the Kubernetes API, apart from how (kube-client.ts): sync depends on this.

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly signal?: AbortSignal;
}

export type WatchableResource = 'namespaces' | 'secrets' | 'serviceaccounts';

export interface WatchOptions {
  readonly resourceVersion: string;
  readonly labelSelector?: string;
  readonly signal: AbortSignal;
}

/** A core/v1 Event regcred reports (always about one object, never carrying secret data). */
export interface EventBody {
  readonly namespace: string;
  readonly involvedObject: {
    kind: string;
    namespace?: string;
    name: string;
    uid?: string;
    apiVersion: string;
  };
  readonly reason: string;
  readonly message: string;
  readonly type: 'Normal' | 'Warning';
  readonly reportingInstance: string;
  readonly time: Date;
}

/**
 * What regcred does with the Kubernetes API: typed, rate limited, with errors as `ERR_KUBE_API`
 * (details: status, namespace, name). Not-found reads answer `undefined`; every other failure throws.
 */
export interface KubeClient {
  listNamespaces(options?: ListOptions): Promise<ObjectList<NamespaceObject>>;
  /** All namespaces' Secrets (cluster-wide list), usually with the managed-by selector. */
  listSecrets(options?: ListOptions): Promise<ObjectList<SecretObject>>;
  getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<SecretObject | undefined>;
  createSecret(secret: SecretObject, signal?: AbortSignal): Promise<SecretObject>;
  /** PUT with `metadata.resourceVersion`: 409 when the Secret changed since it was read. */
  replaceSecret(secret: SecretObject, signal?: AbortSignal): Promise<SecretObject>;
  /** Delete with a resourceVersion precondition when given. 404 counts as done. */
  deleteSecret(
    namespace: string,
    name: string,
    resourceVersion?: string,
    signal?: AbortSignal,
  ): Promise<void>;
  listServiceAccounts(options?: ListOptions): Promise<ObjectList<ServiceAccountObject>>;
  getServiceAccount(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<ServiceAccountObject | undefined>;
  /** JSON merge patch (`application/merge-patch+json`). */
  patchServiceAccount(
    namespace: string,
    name: string,
    patch: object,
    signal?: AbortSignal,
  ): Promise<ServiceAccountObject>;
  createEvent(event: EventBody, signal?: AbortSignal): Promise<void>;
  getLease(namespace: string, name: string, signal?: AbortSignal): Promise<LeaseObject | undefined>;
  createLease(lease: LeaseObject, signal?: AbortSignal): Promise<LeaseObject>;
  replaceLease(lease: LeaseObject, signal?: AbortSignal): Promise<LeaseObject>;
  /**
   * Streams watch events from `resourceVersion` until the server ends the watch (resolves) or it fails
   * (rejects; status 410 means the version is too old: relist). Bookmarks are delivered as events.
   */
  watch<T>(
    resource: WatchableResource,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void>;
  close(): Promise<void>;
}
