import { stableStringify, timestamp } from './strategy.ts';
import type { KubeObject, ManagedFieldsEntry } from './types.ts';

/**
 * Simplified server-side-apply field ownership. A field is a leaf path: a scalar, an atomic list, or
 * an empty map. Lists are atomic except the keyed ones below (items addressed as k:{"name":"x"}).
 * Only spec-like fields, metadata.labels, metadata.annotations, metadata.finalizers and
 * metadata.ownerReferences are tracked; apiVersion, kind, status and system metadata are not.
 * fieldsV1 is the real nested format without the "." self markers.
 */
const KEYED_LISTS: Record<string, Record<string, string>> = {
  ServiceAccount: { 'f:secrets': 'name' },
};

const TRACKED_METADATA = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

/** Path (JSON array of segments) → value fingerprint. */
export type FieldSet = Map<string, string>;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function leafFields(obj: KubeObject): FieldSet {
  const out: FieldSet = new Map();
  const keyed = KEYED_LISTS[obj.kind] ?? {};
  const walk = (value: unknown, path: string[]): void => {
    if (isMap(value)) {
      const keys = Object.keys(value).filter((k) => value[k] !== undefined);
      if (keys.length === 0 && path.length > 0) out.set(JSON.stringify(path), '{}');
      for (const k of keys) walk(value[k], [...path, `f:${k}`]);
      return;
    }
    const listKey = path.length === 1 ? keyed[path[0]!] : undefined;
    if (Array.isArray(value) && listKey !== undefined) {
      for (const item of value) {
        if (!isMap(item)) continue;
        walk(item, [...path, `k:${JSON.stringify({ [listKey]: item[listKey] })}`]);
      }
      return;
    }
    out.set(JSON.stringify(path), stableStringify(value));
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status' || v === undefined) continue;
    if (k === 'metadata') {
      for (const [mk, mv] of Object.entries(obj.metadata)) {
        if (TRACKED_METADATA.has(mk) && mv !== undefined) walk(mv, ['f:metadata', `f:${mk}`]);
      }
      continue;
    }
    walk(v, [`f:${k}`]);
  }
  return out;
}

export function encodeFields(paths: Iterable<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let node = root;
    for (const seg of JSON.parse(p) as string[]) {
      node[seg] ??= {};
      node = node[seg] as Record<string, unknown>;
    }
  }
  return root;
}

export function decodeFields(tree: Record<string, unknown> | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (node: Record<string, unknown>, path: string[]): void => {
    const keys = Object.keys(node).filter((k) => k !== '.');
    if (keys.length === 0 && path.length > 0) out.add(JSON.stringify(path));
    for (const k of keys) if (isMap(node[k])) walk(node[k], [...path, k]);
  };
  if (tree) walk(tree, []);
  return out;
}

/** Human path for conflict messages: .data.key, .secrets[name="x"]. */
export function displayPath(path: string): string {
  return (JSON.parse(path) as string[])
    .map((seg) => {
      if (seg.startsWith('f:')) return `.${seg.slice(2)}`;
      const key = JSON.parse(seg.slice(2)) as Record<string, unknown>;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

export interface Ownership {
  manager: string;
  operation: 'Apply' | 'Update';
  fields: Set<string>;
}

export function readOwnership(obj: KubeObject | undefined): Ownership[] {
  return (obj?.metadata.managedFields ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    fields: decodeFields(e.fieldsV1),
  }));
}

export function writeOwnership(
  obj: KubeObject,
  owners: Ownership[],
  now: Date,
  changed: Set<Ownership>,
  old?: KubeObject,
): void {
  const oldEntries = new Map(
    (old?.metadata.managedFields ?? []).map((e) => [`${e.manager}/${e.operation}`, e]),
  );
  const entries: ManagedFieldsEntry[] = owners
    .filter((o) => o.fields.size > 0)
    .map((o) => {
      const previous = oldEntries.get(`${o.manager}/${o.operation}`);
      return {
        manager: o.manager,
        operation: o.operation,
        apiVersion: obj.apiVersion,
        time: changed.has(o) || !previous ? timestamp(now) : previous.time,
        fieldsType: 'FieldsV1',
        fieldsV1: encodeFields(o.fields),
      };
    });
  if (entries.length > 0) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

/**
 * Ownership after a non-apply write by `manager`: fields it set or changed become its own
 * (operation Update) and leave other managers; fields that disappeared leave everyone.
 * `manager` null means the caller (apply) already set managedFields.
 */
export function recordUpdate(
  next: KubeObject,
  old: KubeObject | undefined,
  manager: string | null,
  now: Date,
): void {
  if (manager === null) return;
  const before = old ? leafFields(old) : new Map<string, string>();
  const after = leafFields(next);
  const owners = readOwnership(old);
  const changedPaths = [...after].filter(([p, v]) => before.get(p) !== v).map(([p]) => p);
  const gone = [...before.keys()].filter((p) => !after.has(p));
  for (const o of owners) {
    for (const p of changedPaths) o.fields.delete(p);
    for (const p of gone) o.fields.delete(p);
  }
  const touched = new Set<Ownership>();
  if (changedPaths.length > 0) {
    let mine = owners.find((o) => o.manager === manager && o.operation === 'Update');
    if (!mine) {
      mine = { manager, operation: 'Update', fields: new Set() };
      owners.push(mine);
    }
    for (const p of changedPaths) mine.fields.add(p);
    touched.add(mine);
  }
  writeOwnership(next, owners, now, touched, old);
}
