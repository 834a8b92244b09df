import type { FakeKubeApiServer } from './index.ts';
import { ApiError, badRequest } from './status.ts';
import type { FaultRule, KubeObject, RecordedRequest } from './types.ts';

/** Counts of recorded requests, for a benchmark that runs the fake in another process. */
export interface RequestStats {
  total: number;
  byVerb: Record<string, number>;
  byStatus: Record<string, number>;
  byVerbResource: Record<string, number>;
  connections: number;
  resourceVersion: string;
}

export function requestStats(
  requests: readonly RecordedRequest[],
  connections: number,
  resourceVersion: string,
): RequestStats {
  const stats: RequestStats = {
    total: requests.length,
    byVerb: {},
    byStatus: {},
    byVerbResource: {},
    connections,
    resourceVersion,
  };
  for (const r of requests) {
    stats.byVerb[r.verb] = (stats.byVerb[r.verb] ?? 0) + 1;
    stats.byStatus[r.status] = (stats.byStatus[r.status] ?? 0) + 1;
    const key = `${r.verb} ${r.resource}`;
    stats.byVerbResource[key] = (stats.byVerbResource[key] ?? 0) + 1;
  }
  return stats;
}

/**
 * The /__fake/ control API of a fake started by main.ts, mirroring the in-process interface:
 * GET stats | GET requests | POST reset-requests | POST objects (one object or a list; store.put) |
 * DELETE objects/<resource>/<namespace or ->/<name> | POST faults (a FaultRule) | DELETE faults |
 * POST compact | POST drop-watches.
 */
export function controlHandler(
  server: () => FakeKubeApiServer,
): (method: string, path: string, body: unknown) => unknown {
  return (method, path, body) => {
    const s = server();
    const parts = path.split('/').slice(2).map(decodeURIComponent);
    const action = `${method} ${parts[0] ?? ''}`;
    switch (action) {
      case 'GET stats':
        return requestStats(s.requests, s.connections, s.store.resourceVersion);
      case 'GET requests':
        return s.requests;
      case 'POST reset-requests':
        s.resetRequests();
        return {};
      case 'POST objects': {
        const list = (Array.isArray(body) ? body : [body]) as KubeObject[];
        try {
          return { resourceVersions: list.map((o) => s.store.put(o).metadata.resourceVersion) };
        } catch (err) {
          throw badRequest((err as Error).message);
        }
      }
      case 'DELETE objects': {
        const [, resource, namespace, name] = parts;
        if (!resource || !namespace || !name)
          throw badRequest('DELETE /__fake/objects/<resource>/<namespace or ->/<name>');
        s.store.delete(resource, namespace === '-' ? undefined : namespace, name);
        return {};
      }
      case 'POST faults':
        s.faults.add(body as FaultRule);
        return {};
      case 'DELETE faults':
        s.faults.clear();
        return {};
      case 'POST compact':
        s.compact();
        return {};
      case 'POST drop-watches':
        s.dropWatches();
        return {};
      default:
        throw new ApiError(404, 'NotFound', `unknown control endpoint ${method} ${path}`);
    }
  };
}
