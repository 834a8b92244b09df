import type { Answer, Call, HandlerContext } from './handlers.ts';
import { displayPath, leafFields, type Ownership, readOwnership, writeOwnership } from './managed-fields.ts';
import { ApiError, badRequest, conflict } from './status.ts';
import type { KubeObject } from './types.ts';

/** The handler steps apply shares with create/update (passed in to keep imports one-way). */
export interface ApplySteps {
  create(ctx: HandlerContext, call: Call, obj: KubeObject, name: string, manager: string | null): Answer;
  commitUpdate(
    ctx: HandlerContext,
    call: Call,
    old: KubeObject,
    next: KubeObject,
    manager: string | null,
  ): Answer;
  checkIdentity(call: Call, obj: KubeObject): void;
  asObject(body: unknown): KubeObject;
}

type Segment = { field: string } | { key: Record<string, unknown> };

function segments(path: string): Segment[] {
  return (JSON.parse(path) as string[]).map((s) =>
    s.startsWith('f:') ? { field: s.slice(2) } : { key: JSON.parse(s.slice(2)) as Record<string, unknown> },
  );
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function findItem(list: unknown[], key: Record<string, unknown>): number {
  return list.findIndex((item) => isMap(item) && Object.entries(key).every(([k, v]) => item[k] === v));
}

/** Read the value at a leaf path of `obj` (undefined when absent). */
function readAt(obj: unknown, path: Segment[]): unknown {
  let node: unknown = obj;
  for (const seg of path) {
    if ('field' in seg) node = isMap(node) ? node[seg.field] : undefined;
    else node = Array.isArray(node) ? node[findItem(node, seg.key)] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Set a leaf path, creating maps and keyed list items on the way. */
function writeAt(obj: Record<string, unknown>, path: Segment[], value: unknown): void {
  let node: unknown = obj;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if ('field' in seg) {
      const map = node as Record<string, unknown>;
      if (last) {
        map[seg.field] = structuredClone(value);
        return;
      }
      const nextSeg = path[i + 1]!;
      if ('key' in nextSeg) {
        if (!Array.isArray(map[seg.field])) map[seg.field] = [];
      } else if (!isMap(map[seg.field])) map[seg.field] = {};
      node = map[seg.field];
    } else {
      const list = node as unknown[];
      let index = findItem(list, seg.key);
      if (index < 0) {
        list.push({ ...seg.key });
        index = list.length - 1;
      }
      if (last) return;
      node = list[index];
    }
  }
}

/** Remove a leaf path; a keyed item left holding only its key goes too, and so does an emptied map. */
function removeAt(obj: Record<string, unknown>, path: Segment[]): void {
  const parents: unknown[] = [];
  let node: unknown = obj;
  for (const seg of path.slice(0, -1)) {
    parents.push(node);
    if ('field' in seg) node = isMap(node) ? node[seg.field] : undefined;
    else node = Array.isArray(node) ? node[findItem(node, seg.key)] : undefined;
    if (node === undefined) return;
  }
  const last = path[path.length - 1]!;
  if ('field' in last) {
    if (isMap(node)) delete node[last.field];
  } else if (Array.isArray(node)) {
    const i = findItem(node, last.key);
    if (i >= 0) node.splice(i, 1);
  }
  // Drop keyed items reduced to their key.
  const keySeg = path.length >= 2 ? path[path.length - 2] : undefined;
  if (keySeg && 'key' in keySeg && isMap(node) && Object.keys(node).every((k) => k in keySeg.key)) {
    const list = parents[parents.length - 1];
    if (Array.isArray(list)) list.splice(findItem(list, keySeg.key), 1);
  }
}

/**
 * Server-side apply (application/apply-patch+yaml) with a simplified field-ownership model
 * (see managed-fields.ts): applying a field another manager owns with a different value is a 409
 * Conflict naming the manager, unless force=true, which takes ownership. Fields this manager
 * applied before and leaves out now are removed unless another manager also owns them.
 */
export function applyPatch(
  ctx: HandlerContext,
  call: Call,
  old: KubeObject | undefined,
  steps: ApplySteps,
): Answer {
  const manager = call.query.fieldManager;
  if (!manager) {
    throw badRequest(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  }
  const force = call.query.force === 'true';
  const applied = steps.asObject(call.body);
  if (!applied.apiVersion || !applied.kind)
    throw badRequest('apiVersion and kind must be set in an apply patch');
  steps.checkIdentity(call, applied);
  if (applied.metadata.name !== call.name) {
    throw badRequest(
      `the name of the object (${applied.metadata.name}) does not match the name on the URL (${call.name})`,
    );
  }
  const appliedFields = leafFields(applied);
  const now = ctx.store.now();

  if (!old) {
    const obj = structuredClone(applied);
    delete obj.metadata.resourceVersion;
    const mine: Ownership = { manager, operation: 'Apply', fields: new Set(appliedFields.keys()) };
    writeOwnership(obj, [mine], now, new Set([mine]));
    return steps.create(ctx, call, obj, call.name!, null);
  }

  const owners = readOwnership(old);
  const liveFields = leafFields(old);
  const conflicts: { manager: string; path: string }[] = [];
  for (const [path, value] of appliedFields) {
    if (liveFields.get(path) === value) continue;
    for (const o of owners) {
      if (o.manager === manager || !o.fields.has(path)) continue;
      conflicts.push({ manager: o.manager, path });
    }
  }
  if (conflicts.length > 0 && !force) {
    const err = conflict(call.resource, call.name!);
    const lines = conflicts.map((c) => `conflict with "${c.manager}": ${displayPath(c.path)}`);
    const message = `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${lines.join('\n')}`;
    throw new ApiError(409, 'Conflict', message, {
      ...err.details,
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with "${c.manager}"`,
        field: displayPath(c.path),
      })),
    });
  }
  const touched = new Set<Ownership>();
  for (const c of conflicts) {
    for (const o of owners) {
      if (o.manager === c.manager && o.fields.delete(c.path)) touched.add(o);
    }
  }

  const next = structuredClone(old) as KubeObject;
  let mine = owners.find((o) => o.manager === manager && o.operation === 'Apply');
  const previouslyApplied = mine ? [...mine.fields] : [];
  for (const path of previouslyApplied) {
    if (appliedFields.has(path)) continue;
    const sharedWithOthers = owners.some((o) => o !== mine && o.fields.has(path));
    if (!sharedWithOthers) removeAt(next, segments(path));
  }
  for (const [path] of appliedFields) writeAt(next, segments(path), readAt(applied, segments(path)));
  if (!mine) {
    mine = { manager, operation: 'Apply', fields: new Set() };
    owners.push(mine);
  }
  mine.fields = new Set(appliedFields.keys());
  touched.add(mine);
  writeOwnership(next, owners, now, touched, old);
  next.metadata.resourceVersion = applied.metadata.resourceVersion ?? old.metadata.resourceVersion;
  if (applied.metadata.uid) next.metadata.uid = applied.metadata.uid;
  return steps.commitUpdate(ctx, call, old, next, null);
}
