import { controlHandler } from './control.ts';
import { Faults } from './faults.ts';
import { writeServiceAccountFiles } from './in-cluster.ts';
import { kubeconfigFor } from './kubeconfig.ts';
import { startHttpServer } from './server.ts';
import { MemoryStore } from './store.ts';
import type { FakeStore, FaultInjector, KubeObject, RecordedRequest } from './types.ts';

export type {
  FakeStore,
  FaultInjector,
  FaultRule,
  KubeObject,
  ManagedFieldsEntry,
  ObjectMeta,
  RecordedRequest,
  Verb,
} from './types.ts';

export interface FakeKubeApiServerOptions {
  /** Added latency per request (ms) or a function of the request; default 0. */
  latencyMs?: number | ((req: RecordedRequest) => number);
  /** Objects present at start (namespaces, secrets, serviceaccounts, leases…). */
  objects?: KubeObject[];
  /** How many resourceVersions of history watches can resume from before 410 Gone; default 1000. */
  historyLimit?: number;
  /** Bookmark interval for watches with allowWatchBookmarks; default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Auto-create a `default` ServiceAccount in each new namespace, as the real controller does; default true. */
  defaultServiceAccounts?: boolean;
  /**
   * Create that ServiceAccount this many ms after the namespace, like the asynchronous real controller
   * (a client may find the namespace without its `default` ServiceAccount); default 0 = in the same write.
   */
  defaultServiceAccountDelayMs?: number;
  /**
   * How long a deleted namespace stays Terminating before it and its objects are removed; default 50 ms.
   * A negative value or Infinity keeps it Terminating until `store.delete('namespaces', …)`.
   */
  namespaceDeletionDelayMs?: number;
  /** Wall clock for creationTimestamp, deletionTimestamp and managedFields times; default `new Date()`. */
  now?: () => Date;
  /**
   * Serve https with this certificate (e.g. from test/fakes/tls/test-ca.ts, issued for 127.0.0.1);
   * `caPem` goes into kubeconfigYaml() and the in-cluster ca.crt. Default: plain http.
   */
  tls?: { certPem: string; keyPem: string; caPem: string };
  /** Require `Authorization: Bearer <token>` on every request (401 Unauthorized otherwise). Default: accept anything. */
  token?: string;
  /** Serve the /__fake/ control API (see control.ts); main.ts turns it on for out-of-process use. Default false. */
  controlApi?: boolean;
}

export interface FakeKubeApiServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** A kubeconfig for KubeConfig.loadFromString (http with insecure-skip-tls-verify, token auth). */
  kubeconfigYaml(namespace?: string): string;
  /** Every request, in arrival order; `status` is filled in when the answer is sent. */
  readonly requests: RecordedRequest[];
  resetRequests(): void;
  /** Direct access: bypasses API checks, faults and latency; bumps resourceVersion; emits watch events. */
  readonly store: FakeStore;
  readonly faults: FaultInjector;
  /** End every open watch stream abruptly (socket destroyed; the client sees an error). */
  dropWatches(): void;
  /** Forget history: watches (and list continue tokens) from an older resourceVersion get 410. */
  compact(): void;
  close(): Promise<void>;
  /** TCP connections accepted so far (a client that reuses connections keeps this low). */
  readonly connections: number;
  /**
   * Write token, ca.crt and namespace under `prefix` for client-node's `loadFromCluster(prefix)` and
   * return the KUBERNETES_SERVICE_HOST/PORT values to put in the environment. Throws without `tls`.
   */
  writeServiceAccountFiles(
    prefix: string,
    namespace: string,
  ): Record<'KUBERNETES_SERVICE_HOST' | 'KUBERNETES_SERVICE_PORT', string>;
}

/**
 * Start an in-process fake Kubernetes API server on 127.0.0.1 with the real semantics regcred relies
 * on (see README.md). Throws if an initial object has an unknown kind or lacks a name.
 */
export async function startFakeKubeApiServer(
  options: FakeKubeApiServerOptions = {},
): Promise<FakeKubeApiServer> {
  const store = new MemoryStore({
    historyLimit: options.historyLimit ?? 1000,
    defaultServiceAccounts: options.defaultServiceAccounts ?? true,
    defaultServiceAccountDelayMs: options.defaultServiceAccountDelayMs ?? 0,
    now: options.now ?? (() => new Date()),
  });
  for (const obj of options.objects ?? []) store.put(obj);
  const faults = new Faults();
  const requests: RecordedRequest[] = [];
  const http = await startHttpServer({
    store,
    faults,
    requests,
    latencyMs: options.latencyMs ?? 0,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    namespaceDeletionDelayMs: options.namespaceDeletionDelayMs ?? 50,
    tls: options.tls,
    token: options.token,
    control: options.controlApi ? controlHandler(() => api) : undefined,
  });
  const token = options.token ?? 'fake-token';
  const api: FakeKubeApiServer = {
    url: http.url,
    kubeconfigYaml: (namespace) => kubeconfigFor(http.url, token, options.tls?.caPem, namespace),
    requests,
    resetRequests() {
      requests.length = 0;
    },
    store,
    faults,
    dropWatches: () => http.dropWatches(),
    compact: () => store.compact(),
    close: async () => {
      store.cancelTimers();
      await http.close();
    },
    get connections() {
      return http.connections;
    },
    writeServiceAccountFiles(prefix, namespace) {
      if (!options.tls) throw new Error('writeServiceAccountFiles needs the fake started with `tls`');
      return writeServiceAccountFiles(prefix, http.url, token, options.tls.caPem, namespace);
    },
  };
  return api;
}
