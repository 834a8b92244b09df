import type { ResourceInfo } from './resources.ts';
import { both, type Matcher, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { badRequest, expired } from './status.ts';
import type { MemoryStore } from './store.ts';
import type { KubeObject } from './types.ts';

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...token })).toString('base64url');
}

function decodeContinue(value: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<ContinueToken>;
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string')
      return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through to the error the real server gives for a mangled token
  }
  throw badRequest(`continue key is not valid: ${value}`);
}

/** Selectors from the query: labelSelector and fieldSelector, both optional; 400 when malformed. */
export function matcherFromQuery(r: ResourceInfo, query: Record<string, string>): Matcher | undefined {
  return both(parseLabelSelector(query.labelSelector), parseFieldSelector(r, query.fieldSelector));
}

/** Typed list items carry no apiVersion/kind on the wire, as with the real server. */
function listItem(obj: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/**
 * A list response: selectors, then `limit` + `continue` pagination in (namespace, name) order.
 * A continue token from before the kept history (see compact()) answers 410 Expired.
 */
export function listObjects(
  store: MemoryStore,
  r: ResourceInfo,
  namespace: string | undefined,
  query: Record<string, string>,
): Record<string, unknown> {
  const matcher = matcherFromQuery(r, query);
  let listRv = store.currentRv;
  let items = store.items(r, namespace);
  if (matcher) items = items.filter(matcher);
  if (query.continue) {
    const token = decodeContinue(query.continue);
    if (token.rv < store.minResumableRv) {
      throw expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    listRv = token.rv;
    items = items.filter((o) => keyOf(o) > token.start);
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
  const limit = query.limit === undefined ? 0 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: "${query.limit}"`);
  if (limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    metadata.continue = encodeContinue({ rv: listRv, start: keyOf(items[items.length - 1]!) });
    if (!matcher) metadata.remainingItemCount = remaining;
  }
  return { kind: `${r.kind}List`, apiVersion: r.apiVersion, metadata, items: items.map(listItem) };
}
