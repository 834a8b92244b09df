import type https from 'node:https';
import {
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  type KubeConfig,
  type Middleware,
  PatchStrategy,
  ServerConfiguration,
  type V1Namespace,
  type V1ServiceAccount,
  Watch,
} from '@kubernetes/client-node';
import { Agent, getGlobalDispatcher, request } from 'undici';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { ErrorCode, RegcredError } from '../core/errors.ts';
import {
  toEvent,
  toLease,
  toNamespace,
  toSecret,
  toServiceAccount,
  type V1LeaseBody,
  type V1SecretBody,
  v1Lease,
  v1Secret,
} from './convert.ts';
import type { EventBody, KubeClient, ListOptions, WatchableResource, WatchOptions } from './kube-api.ts';
import { type KubeCallContext, retryAfterSeconds, statusOf, toKubeError } from './kube-error.ts';
import { RateLimiter } from './rate-limiter.ts';
import type {
  LeaseObject,
  NamespaceObject,
  ObjectList,
  SecretObject,
  ServiceAccountObject,
  WatchEvent,
} from './types.ts';

export type { EventBody, KubeClient, ListOptions, WatchableResource, WatchOptions } from './kube-api.ts';

export interface KubeClientOptions {
  readonly kubeConfig: KubeConfig;
  /** Client-side budget; default 50 qps, burst 100, 16 in flight. */
  readonly limiter?: RateLimiter;
  readonly clock?: Clock;
  /** Retries of a call answered 429/5xx (Retry-After honoured, up to 10 s). */
  readonly maxRetries?: number;
}

const PAGE_SIZE = 500;
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * A client for the kubeconfig's current context. Throws `ERR_CONFIG_INVALID` when the kubeconfig has no
 * current cluster, and whatever the kubeconfig's credential plugin throws.
 */
export async function createKubeClient(options: KubeClientOptions): Promise<KubeClient> {
  const kc = options.kubeConfig;
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new RegcredError(ErrorCode.ConfigInvalid, 'kubeconfig has no current cluster', {
      retryable: false,
    });
  // client-node builds a new undici Agent per request whenever any TLS option is set (a CA, a client
  // certificate, even insecure-skip-tls-verify): one new connection per call. Share one pooled agent with
  // the same TLS settings instead (bench/sync: most of the client's CPU went to connecting). Proxied
  // clusters keep client-node's own dispatcher.
  let agent: Agent | undefined;
  if (!cluster.proxyUrl) {
    const tls: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(tls);
    agent = new Agent({
      connections: 64,
      keepAliveTimeout: 30_000,
      connect: {
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
        ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      },
    });
  }
  return new ClientNodeKubeClient(options, cluster.server, agent);
}

class ClientNodeKubeClient implements KubeClient {
  readonly #core: CoreV1Api;
  readonly #coordination: CoordinationV1Api;
  readonly #watch: Watch;
  readonly #limiter: RateLimiter;
  readonly #clock: Clock;
  readonly #maxRetries: number;
  readonly #agent: Agent | undefined;
  readonly #kc: KubeConfig;
  readonly #server: string;
  #auth: { headers: Record<string, string>; until: number } | undefined;

  constructor(options: KubeClientOptions, server: string, agent: Agent | undefined) {
    const kc = options.kubeConfig;
    this.#clock = options.clock ?? systemClock;
    this.#limiter =
      options.limiter ?? new RateLimiter({ qps: 50, burst: 100, concurrency: 16, clock: this.#clock });
    this.#maxRetries = options.maxRetries ?? 3;
    this.#agent = agent;
    this.#kc = kc;
    this.#server = server.replace(/\/+$/, '');
    const middleware: Middleware[] = [];
    if (agent) {
      middleware.push({
        pre: async (context) => {
          context.setDispatcher(agent);
          return context;
        },
        post: async (response) => response,
      });
    }
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(server, {}),
      authMethods: { default: kc },
      promiseMiddleware: middleware,
    });
    this.#core = new CoreV1Api(configuration);
    this.#coordination = new CoordinationV1Api(configuration);
    this.#watch = new Watch(kc);
  }

  async #call<T>(
    context: KubeCallContext,
    signal: AbortSignal | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#limiter.run(call, signal);
      } catch (error) {
        if (signal?.aborted)
          throw new RegcredError(ErrorCode.Aborted, `kubernetes ${context.verb} ${context.resource} aborted`);
        const status = statusOf(error);
        const retryable = status === undefined || status === 429 || status >= 500;
        if (!retryable || attempt >= this.#maxRetries) throw toKubeError(error, context);
        const retryAfter = retryAfterSeconds(error);
        const delay =
          retryAfter !== undefined
            ? Math.min(MAX_RETRY_AFTER_MS, retryAfter * 1000)
            : 100 * 2 ** attempt * (0.5 + Math.random());
        await this.#clock.sleep(delay, signal);
      }
    }
  }

  async #read<T>(
    context: KubeCallContext,
    signal: AbortSignal | undefined,
    call: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.#call(context, signal, call);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async #listAll<I, T>(
    resource: string,
    options: ListOptions | undefined,
    page: (
      cont: string | undefined,
    ) => Promise<{ metadata?: { resourceVersion?: string; continue?: string }; items: I[] }>,
    convert: (item: I) => T,
  ): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const result = await this.#call({ verb: 'list', resource }, options?.signal, () => page(cont));
      for (const item of result.items) items.push(convert(item));
      resourceVersion = result.metadata?.resourceVersion ?? resourceVersion;
      cont = result.metadata?.continue || undefined;
    } while (cont !== undefined);
    return { items, resourceVersion };
  }

  /** One list page, raw JSON: model (de)serialization of 10,000 objects is what lists cost in client-node. */
  #page<I>(
    path: string,
    options: ListOptions | undefined,
    cont: string | undefined,
  ): Promise<{ metadata?: { resourceVersion?: string; continue?: string }; items: I[] }> {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cont !== undefined) query.set('continue', cont);
    if (options?.labelSelector !== undefined) query.set('labelSelector', options.labelSelector);
    if (options?.fieldSelector !== undefined) query.set('fieldSelector', options.fieldSelector);
    return this.#json('GET', `${path}?${query}`, undefined, options?.signal);
  }

  listNamespaces(options?: ListOptions): Promise<ObjectList<NamespaceObject>> {
    return this.#listAll(
      'namespaces',
      options,
      (cont) => this.#page<V1Namespace>('/api/v1/namespaces', options, cont),
      toNamespace,
    );
  }

  listSecrets(options?: ListOptions): Promise<ObjectList<SecretObject>> {
    return this.#listAll(
      'secrets',
      options,
      (cont) => this.#page<V1SecretBody>('/api/v1/secrets', options, cont),
      toSecret,
    );
  }

  listServiceAccounts(options?: ListOptions): Promise<ObjectList<ServiceAccountObject>> {
    return this.#listAll(
      'serviceaccounts',
      options,
      (cont) => this.#page<V1ServiceAccount>('/api/v1/serviceaccounts', options, cont),
      toServiceAccount,
    );
  }

  /**
   * The write path, straight on undici: client-node's generated layer (observable stubs, model
   * (de)serialization, one fetch per call) cost ~1 ms of CPU per write, which made the client, not the
   * API server, the bottleneck of a 10,000-namespace pass. Auth still comes from the KubeConfig.
   */
  async #json<T>(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
    contentType = 'application/json',
  ): Promise<T> {
    const response = await request(`${this.#server}${path}`, {
      method: method as 'POST',
      headers: { ...(await this.#headers()), 'content-type': contentType, accept: 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      dispatcher: this.#agent ?? getGlobalDispatcher(),
      ...(signal ? { signal } : {}),
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new HttpStatusError(response.statusCode, text, response.headers);
    return JSON.parse(text) as T;
  }

  /** Auth headers from the KubeConfig (token file, exec plugin, basic), reused for 5 s. */
  async #headers(): Promise<Record<string, string>> {
    const now = this.#clock.now();
    if (this.#auth && this.#auth.until > now) return this.#auth.headers;
    const options: https.RequestOptions = {};
    await this.#kc.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (typeof value === 'string') headers[key.toLowerCase()] = value;
    }
    if (typeof options.auth === 'string' && headers.authorization === undefined) {
      headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    }
    this.#auth = { headers, until: now + 5_000 };
    return headers;
  }

  async getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<SecretObject | undefined> {
    const found = await this.#read({ verb: 'get', resource: 'secrets', namespace, name }, signal, () =>
      this.#json<V1SecretBody>(
        'GET',
        `/api/v1/namespaces/${enc(namespace)}/secrets/${enc(name)}`,
        undefined,
        signal,
      ),
    );
    return found === undefined ? undefined : toSecret(found);
  }

  async createSecret(secret: SecretObject, signal?: AbortSignal): Promise<SecretObject> {
    const namespace = secret.metadata.namespace ?? '';
    const created = await this.#call(
      { verb: 'create', resource: 'secrets', namespace, name: secret.metadata.name },
      signal,
      () =>
        this.#json<V1SecretBody>(
          'POST',
          `/api/v1/namespaces/${enc(namespace)}/secrets`,
          v1Secret(secret),
          signal,
        ),
    );
    return toSecret(created);
  }

  async replaceSecret(secret: SecretObject, signal?: AbortSignal): Promise<SecretObject> {
    const namespace = secret.metadata.namespace ?? '';
    const { name } = secret.metadata;
    const replaced = await this.#call({ verb: 'update', resource: 'secrets', namespace, name }, signal, () =>
      this.#json<V1SecretBody>(
        'PUT',
        `/api/v1/namespaces/${enc(namespace)}/secrets/${enc(name)}`,
        v1Secret(secret),
        signal,
      ),
    );
    return toSecret(replaced);
  }

  async deleteSecret(
    namespace: string,
    name: string,
    resourceVersion?: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#read({ verb: 'delete', resource: 'secrets', namespace, name }, signal, () =>
      this.#core.deleteNamespacedSecret({
        namespace,
        name,
        ...(resourceVersion === undefined ? {} : { body: { preconditions: { resourceVersion } } }),
      }),
    );
  }

  async getServiceAccount(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<ServiceAccountObject | undefined> {
    const found = await this.#read(
      { verb: 'get', resource: 'serviceaccounts', namespace, name },
      signal,
      () => this.#core.readNamespacedServiceAccount({ namespace, name }),
    );
    return found === undefined ? undefined : toServiceAccount(found);
  }

  async patchServiceAccount(
    namespace: string,
    name: string,
    patch: object,
    signal?: AbortSignal,
  ): Promise<ServiceAccountObject> {
    const patched = await this.#call(
      { verb: 'patch', resource: 'serviceaccounts', namespace, name },
      signal,
      () =>
        this.#json<V1ServiceAccount>(
          'PATCH',
          `/api/v1/namespaces/${enc(namespace)}/serviceaccounts/${enc(name)}`,
          patch,
          signal,
          PatchStrategy.MergePatch,
        ),
    );
    return toServiceAccount(patched);
  }

  async createEvent(event: EventBody, signal?: AbortSignal): Promise<void> {
    await this.#call({ verb: 'create', resource: 'events', namespace: event.namespace }, signal, () =>
      this.#core.createNamespacedEvent({ namespace: event.namespace, body: toEvent(event) }),
    );
  }

  async getLease(namespace: string, name: string, signal?: AbortSignal): Promise<LeaseObject | undefined> {
    const found = await this.#read({ verb: 'get', resource: 'leases', namespace, name }, signal, () =>
      this.#coordination.readNamespacedLease({ namespace, name }),
    );
    return found === undefined ? undefined : toLease(found);
  }

  async createLease(lease: LeaseObject, signal?: AbortSignal): Promise<LeaseObject> {
    const namespace = lease.metadata.namespace ?? '';
    const created = await this.#call(
      { verb: 'create', resource: 'leases', namespace, name: lease.metadata.name },
      signal,
      () => this.#coordination.createNamespacedLease({ namespace, body: v1Lease(lease) as V1LeaseBody }),
    );
    return toLease(created);
  }

  async replaceLease(lease: LeaseObject, signal?: AbortSignal): Promise<LeaseObject> {
    const namespace = lease.metadata.namespace ?? '';
    const { name } = lease.metadata;
    const replaced = await this.#call({ verb: 'update', resource: 'leases', namespace, name }, signal, () =>
      this.#coordination.replaceNamespacedLease({ namespace, name, body: v1Lease(lease) as V1LeaseBody }),
    );
    return toLease(replaced);
  }

  async watch<T>(
    resource: WatchableResource,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void> {
    await this.#limiter.token(options.signal);
    const context = { verb: 'watch', resource };
    return new Promise<void>((resolve, reject) => {
      let controller: AbortController | undefined;
      let settled = false;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        options.signal.removeEventListener('abort', onAbort);
        controller?.abort();
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => finish();
      options.signal.addEventListener('abort', onAbort, { once: true });
      const query = {
        allowWatchBookmarks: true,
        resourceVersion: options.resourceVersion,
        // Like client-go: end the watch server-side after 5–10 min so connections rebalance.
        timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
      };
      this.#watch
        .watch(
          `/api/v1/${resource}`,
          query,
          (type: string, object: unknown) => {
            if (settled) return;
            if (type === 'ERROR') {
              const status = object as { code?: number; reason?: string; message?: string };
              finish(toKubeError({ code: status.code ?? 500, body: status }, context));
              return;
            }
            if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' || type === 'BOOKMARK') {
              onEvent({ type, object: object as T });
            }
          },
          (error: unknown) => {
            if (error === null || error === undefined || options.signal.aborted) finish();
            else if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
              finish();
            else finish(toKubeError(error, context));
          },
        )
        .then(
          (ctl) => {
            controller = ctl;
            if (settled) ctl.abort();
          },
          (error: unknown) => finish(toKubeError(error, context)),
        );
    });
  }

  async close(): Promise<void> {
    await this.#agent?.close();
  }
}

/** A non-2xx answer on the direct write path; shaped like client-node's ApiException for `toKubeError`. */
class HttpStatusError extends Error {
  readonly code: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;

  constructor(code: number, body: string, headers: Record<string, string | string[] | undefined>) {
    super(`HTTP ${code}`);
    this.name = 'HttpStatusError';
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

const enc = encodeURIComponent;
