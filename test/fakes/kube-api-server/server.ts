import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { discovery } from './discovery.ts';
import type { Faults } from './faults.ts';
import {
  type Call,
  type HandlerContext,
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handleGet,
  handleList,
  handlePatch,
  handleUpdate,
} from './handlers.ts';
import { matcherFromQuery } from './list.ts';
import { route, verbOf } from './router.ts';
import { ApiError, badRequest } from './status.ts';
import type { MemoryStore } from './store.ts';
import type { RecordedRequest } from './types.ts';
import { type ActiveWatch, startWatch } from './watch.ts';

export interface HttpServerOptions {
  store: MemoryStore;
  faults: Faults;
  requests: RecordedRequest[];
  latencyMs: number | ((req: RecordedRequest) => number);
  bookmarkIntervalMs: number;
  namespaceDeletionDelayMs: number;
  /** Serve https with this certificate instead of http. */
  tls: { certPem: string; keyPem: string } | undefined;
  /** When set, every request must carry `Authorization: Bearer <token>` (401 otherwise). */
  token: string | undefined;
  /** Answers /__fake/... paths (not recorded, no latency or faults); see control.ts. */
  control: ControlHandler | undefined;
}

export type ControlHandler = (method: string, path: string, body: unknown) => unknown;

export interface RunningServer {
  url: string;
  /** TCP connections accepted so far. */
  readonly connections: number;
  dropWatches(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const YAML_TYPES = new Set(['application/apply-patch+yaml', 'application/yaml']);
const JSON_TYPES = new Set([
  'application/json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
]);

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType !== undefined && !YAML_TYPES.has(contentType) && !JSON_TYPES.has(contentType)) {
    // The real server also speaks protobuf (and CBOR); this fake does not, and says so the same way.
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${[...JSON_TYPES, ...YAML_TYPES].join(', ')}`,
    );
  }
  try {
    return contentType !== undefined && YAML_TYPES.has(contentType) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The HTTP layer: record, delay, inject faults, route, answer with JSON or a Status. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { store, faults, requests } = options;
  const watches = new Set<ActiveWatch>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const ctx: HandlerContext = {
    store,
    namespaceTerminating(name) {
      if (options.namespaceDeletionDelayMs < 0 || !Number.isFinite(options.namespaceDeletionDelayMs)) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        store.delete('namespaces', undefined, name);
      }, options.namespaceDeletionDelayMs);
      timer.unref();
      timers.add(timer);
    },
  };

  const send = (
    res: ServerResponse,
    record: RecordedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void => {
    record.status = status;
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  };

  const sendError = (res: ServerResponse, record: RecordedRequest, err: unknown): void => {
    const apiError =
      err instanceof ApiError
        ? err
        : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
    const headers: Record<string, string> = {};
    if (apiError.retryAfterSeconds !== undefined) headers['retry-after'] = String(apiError.retryAfterSeconds);
    send(res, record, apiError.code, apiError.toStatus(), headers);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query: Record<string, string> =
      q >= 0 ? Object.fromEntries(new URLSearchParams(rawUrl.slice(q + 1))) : {};
    if (options.control && path.startsWith('/__fake/')) {
      const unrecorded: RecordedRequest = {
        method,
        path,
        query,
        verb: 'other',
        group: '',
        resource: '',
        status: 0,
      };
      try {
        const body = parseBody(await readBody(req), 'application/json');
        send(res, unrecorded, 200, (await options.control(method, path, body)) ?? {});
      } catch (err) {
        sendError(res, unrecorded, err);
      }
      return;
    }
    const rt = route(path);
    const verb = verbOf(method, rt, query);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    const record: RecordedRequest = {
      method,
      path,
      query,
      verb,
      group: rt.type === 'resource' ? rt.resource.group : rt.type === 'unknown' ? rt.group : '',
      resource: rt.type === 'resource' ? rt.resource.resource : rt.type === 'unknown' ? rt.resource : '',
      status: 0,
    };
    if (rt.type === 'resource') {
      if (rt.namespace !== undefined) record.namespace = rt.namespace;
      else if (rt.resource.resource === 'namespaces' && rt.name !== undefined) record.namespace = rt.name;
      if (rt.name !== undefined) record.name = rt.name;
      if (rt.subresource !== undefined) record.subresource = rt.subresource;
    }
    if (contentType !== undefined) record.contentType = contentType;
    requests.push(record);
    try {
      if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
        throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      }
      const text = method === 'GET' ? '' : await readBody(req);
      const body = parseBody(text, contentType);
      if (body !== undefined) record.body = body;
      const latency = typeof options.latencyMs === 'function' ? options.latencyMs(record) : options.latencyMs;
      if (latency > 0) await sleep(latency);
      if (closed) {
        res.destroy();
        return;
      }
      const fault = faults.match(record, rt.type === 'resource' ? rt.resource : undefined);
      if (fault) throw fault;
      if (rt.type === 'discovery') {
        const doc = discovery(rt.path);
        if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        send(res, record, 200, doc);
        return;
      }
      if (rt.type === 'unknown' || rt.subresource !== undefined) {
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      }
      const call: Call = {
        resource: rt.resource,
        namespace: rt.namespace,
        name: rt.name,
        query,
        body,
        contentType,
      };
      const manager = query.fieldManager ?? (req.headers['user-agent']?.split('/')[0] || 'unknown');
      switch (verb) {
        case 'get': {
          const a = handleGet(ctx, call);
          return send(res, record, a.status, a.body);
        }
        case 'list': {
          const a = handleList(ctx, call);
          return send(res, record, a.status, a.body);
        }
        case 'watch': {
          const matcher = matcherFromQuery(rt.resource, query);
          record.status = 200;
          let watch: ActiveWatch | undefined;
          watch = startWatch(
            store,
            {
              resource: rt.resource,
              namespace: rt.namespace,
              name: rt.name,
              matcher,
              resourceVersion: query.resourceVersion,
              allowBookmarks: query.allowWatchBookmarks === 'true',
              bookmarkIntervalMs: options.bookmarkIntervalMs,
              timeoutSeconds: query.timeoutSeconds === undefined ? undefined : Number(query.timeoutSeconds),
            },
            res,
            () => {
              if (watch) watches.delete(watch);
            },
          );
          if (!res.writableEnded) watches.add(watch);
          return;
        }
        case 'create': {
          const a = handleCreate(ctx, call, manager);
          return send(res, record, a.status, a.body);
        }
        case 'update': {
          const a = handleUpdate(ctx, call, manager);
          return send(res, record, a.status, a.body);
        }
        case 'patch': {
          const a = handlePatch(ctx, call, manager);
          return send(res, record, a.status, a.body);
        }
        case 'delete': {
          const a = handleDelete(ctx, call);
          return send(res, record, a.status, a.body);
        }
        case 'deletecollection': {
          const a = handleDeleteCollection(ctx, call);
          return send(res, record, a.status, a.body);
        }
        default:
          throw new ApiError(
            405,
            'MethodNotAllowed',
            'the server does not allow this method on the requested resource',
          );
      }
    } catch (err) {
      sendError(res, record, err);
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res);
  };
  const serverOptions = { keepAlive: true, keepAliveTimeout: 5_000 };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.certPem, key: options.tls.keyPem }, listener)
    : createServer(serverOptions, listener);
  let connections = 0;
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    dropWatches() {
      for (const w of [...watches]) w.drop();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of [...watches]) w.drop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
