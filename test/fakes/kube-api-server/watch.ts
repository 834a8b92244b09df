import type { ServerResponse } from 'node:http';
import type { ResourceInfo } from './resources.ts';
import type { Matcher } from './selectors.ts';
import { ApiError, badRequest } from './status.ts';
import type { MemoryStore, StoreEvent } from './store.ts';
import type { KubeObject } from './types.ts';

export interface WatchRequest {
  resource: ResourceInfo;
  /** Only this namespace; undefined watches all namespaces (or a cluster-scoped resource). */
  namespace: string | undefined;
  /** Only this object (a watch with fieldSelector metadata.name=…, or the legacy /watch/…/name path). */
  name: string | undefined;
  matcher: Matcher | undefined;
  resourceVersion: string | undefined;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds: number | undefined;
}

/** One open watch stream; `drop` cuts the socket, `end` finishes the response cleanly. */
export interface ActiveWatch {
  drop(): void;
  end(): void;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Stored objects never change, so every watcher can share one serialization of each. */
const jsonCache = new WeakMap<object, string>();

function serialized(object: unknown): string {
  if (object === null || typeof object !== 'object') return JSON.stringify(object);
  let json = jsonCache.get(object);
  if (json === undefined) {
    json = JSON.stringify(object);
    jsonCache.set(object, json);
  }
  return json;
}

/** Parse the watch start point; throws 400 for a resourceVersion that is not a number. */
export function parseResourceVersion(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === '0') return undefined;
  if (!/^[0-9]+$/.test(value))
    throw badRequest(`resourceVersion: Invalid value: "${value}": must be a number`);
  return Number(value);
}

/**
 * Stream newline-delimited JSON watch events, like the real server: history after the given
 * resourceVersion (or synthetic ADDED for the current state when it is absent or "0"), then live
 * events. A resourceVersion older than the kept history yields one ERROR event (410 Expired) and
 * the end of the stream.
 */
export function startWatch(
  store: MemoryStore,
  req: WatchRequest,
  res: ServerResponse,
  onDone: () => void,
): ActiveWatch {
  const from = parseResourceVersion(req.resourceVersion);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
  res.flushHeaders();

  let finished = false;
  let unsubscribe: () => void = () => {};
  let bookmark: NodeJS.Timeout | undefined;
  let timeout: NodeJS.Timeout | undefined;

  const cleanup = (): void => {
    if (finished) return;
    finished = true;
    unsubscribe();
    if (bookmark) clearInterval(bookmark);
    if (timeout) clearTimeout(timeout);
    onDone();
  };
  const send = (type: WatchEventType, object: unknown): void => {
    if (!finished) res.write(`{"type":"${type}","object":${serialized(object)}}\n`);
  };
  const matches = (obj: KubeObject): boolean => {
    if (req.namespace !== undefined && obj.metadata.namespace !== req.namespace) return false;
    if (req.name !== undefined && obj.metadata.name !== req.name) return false;
    return req.matcher ? req.matcher(obj) : true;
  };
  const deliver = (event: StoreEvent): void => {
    if (event.resource !== req.resource) return;
    const now = matches(event.object);
    if (event.type !== 'MODIFIED') {
      if (now) send(event.type, event.object);
      return;
    }
    // A selector watch sees an object enter or leave the selection as ADDED / DELETED.
    const before = event.old !== undefined && matches(event.old);
    if (now && before) send('MODIFIED', event.object);
    else if (now) send('ADDED', event.object);
    else if (before) send('DELETED', event.object);
  };

  const end = (): void => {
    cleanup();
    res.end();
  };
  res.on('close', cleanup);

  let backlog: StoreEvent[] = [];
  try {
    if (from !== undefined) backlog = store.eventsSince(from);
  } catch (err) {
    if (err instanceof ApiError) {
      send('ERROR', err.toStatus());
      end();
      return { drop: end, end };
    }
    throw err;
  }
  unsubscribe = store.subscribe(deliver);
  if (from === undefined) {
    for (const obj of store.items(req.resource, req.namespace)) if (matches(obj)) send('ADDED', obj);
  } else {
    for (const event of backlog) deliver(event);
  }
  if (req.allowBookmarks) {
    bookmark = setInterval(() => {
      send('BOOKMARK', {
        kind: req.resource.kind,
        apiVersion: req.resource.apiVersion,
        metadata: { resourceVersion: store.resourceVersion },
      });
    }, req.bookmarkIntervalMs);
    bookmark.unref();
  }
  if (req.timeoutSeconds !== undefined && req.timeoutSeconds > 0) {
    timeout = setTimeout(end, req.timeoutSeconds * 1000);
    timeout.unref();
  }
  return {
    drop: () => {
      cleanup();
      res.destroy();
    },
    end,
  };
}
