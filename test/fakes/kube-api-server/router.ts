import { type ResourceInfo, resourceByPath } from './resources.ts';
import type { Verb } from './types.ts';

export type Route =
  | { type: 'discovery'; path: string }
  | {
      type: 'resource';
      resource: ResourceInfo;
      namespace: string | undefined;
      name: string | undefined;
      subresource: string | undefined;
      /** Legacy /watch/ path segment. */
      legacyWatch: boolean;
    }
  | { type: 'unknown'; group: string; resource: string };

const DISCOVERY = new Set(['/api', '/apis', '/version', '/api/v1', '/openapi/v2']);

/**
 * Map a URL path onto the resource it names:
 * /api/v1[/watch][/namespaces/NS]/RESOURCE[/NAME[/SUB]] and the same under /apis/GROUP/VERSION.
 */
export function route(path: string): Route {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (DISCOVERY.has(trimmed)) return { type: 'discovery', path: trimmed };
  const parts = trimmed.split('/').slice(1).map(decodeURIComponent);
  let apiVersion: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') {
    apiVersion = 'v1';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    apiVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
    if (rest.length === 0) return { type: 'discovery', path: trimmed };
  } else if (parts[0] === 'apis' && parts.length === 2) {
    return { type: 'discovery', path: trimmed };
  } else {
    return { type: 'unknown', group: '', resource: '' };
  }
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  const namespacesInfo = resourceByPath(apiVersion, 'namespaces');
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const r = resourceByPath(apiVersion, rest[2]!);
    if (!r?.namespaced || rest.length > 5) return { type: 'unknown', group, resource: rest[2]! };
    return {
      type: 'resource',
      resource: r,
      namespace: rest[1],
      name: rest[3],
      subresource: rest[4],
      legacyWatch,
    };
  }
  if (rest[0] === 'namespaces' && namespacesInfo) {
    return {
      type: 'resource',
      resource: namespacesInfo,
      namespace: undefined,
      name: rest[1],
      subresource: undefined,
      legacyWatch,
    };
  }
  const r = rest[0] === undefined ? undefined : resourceByPath(apiVersion, rest[0]);
  if (!r || rest.length > 3 || (r.namespaced && rest.length > 1))
    return { type: 'unknown', group, resource: rest[0] ?? '' };
  return {
    type: 'resource',
    resource: r,
    namespace: undefined,
    name: rest[1],
    subresource: rest[2],
    legacyWatch,
  };
}

/** The RBAC verb of a request, as the real authorizer derives it. */
export function verbOf(method: string, route: Route, query: Record<string, string>): Verb {
  if (route.type !== 'resource') return 'other';
  const watchParam = query.watch === 'true' || query.watch === '1';
  switch (method) {
    case 'GET':
      if (route.legacyWatch || watchParam) return 'watch';
      return route.name === undefined ? 'list' : 'get';
    case 'POST':
      return route.name === undefined ? 'create' : 'other';
    case 'PUT':
      return route.name === undefined ? 'other' : 'update';
    case 'PATCH':
      return route.name === undefined ? 'other' : 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      return 'other';
  }
}
