import { ApiError, badRequest } from './status.ts';
import { stableStringify } from './strategy.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, everything else (arrays too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v) as Json;
  }
  return out;
}

/**
 * How strategic merge patch treats a list, by path from the object root ('*' matches any kind).
 * Mirrors the Go struct tags: ServiceAccount.secrets is `patchStrategy:"merge" patchMergeKey:"name"`,
 * but ServiceAccount.imagePullSecrets has NO patch strategy, so a strategic patch REPLACES that list
 * (unlike PodSpec.imagePullSecrets, which merges by name).
 */
const MERGE_LISTS: Record<string, Record<string, string | null>> = {
  '*': { 'metadata.finalizers': null, 'metadata.ownerReferences': 'uid' },
  ServiceAccount: { secrets: 'name' },
};

function mergeKeyFor(kind: string, path: string): string | null | undefined {
  const own = MERGE_LISTS[kind]?.[path];
  if (own !== undefined) return own;
  return MERGE_LISTS['*']?.[path];
}

/**
 * Strategic merge patch for the fields regcred touches: maps merge like merge patch, lists replace
 * unless the path has a merge strategy (keyed lists merge by key, primitive lists union).
 * Directives: `$patch: replace|delete` on maps and keyed-list items, `$deleteFromPrimitiveList/<f>`,
 * `$retainKeys`; `$setElementOrder/<f>` is accepted and ignored.
 */
export function strategicMergePatch(kind: string, target: unknown, patch: unknown): unknown {
  return smp(kind, '', target, patch);
}

function smp(kind: string, path: string, target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const directive = patch.$patch;
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (directive === 'delete') return undefined;
  if (directive !== undefined) throw badRequest(`Unknown patch type: ${String(directive)}`);
  let out: JsonObject = isObject(target) ? { ...target } : {};
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('invalid patch: $retainKeys must be a list');
    const keep = new Set(retain.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(v)) {
        const drop = new Set(v.map((x) => JSON.stringify(x)));
        out[field] = current.filter((x) => !drop.has(JSON.stringify(x)));
      }
      continue;
    }
    const childPath = path === '' ? k : `${path}.${k}`;
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      const key = mergeKeyFor(kind, childPath);
      out[k] = key === undefined ? structuredClone(v) : mergeList(kind, childPath, out[k], v, key);
      continue;
    }
    const merged = smp(kind, childPath, out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged as Json;
  }
  return out;
}

function mergeList(
  kind: string,
  path: string,
  target: Json | undefined,
  patch: Json[],
  key: string | null,
): Json {
  const current = Array.isArray(target) ? [...target] : [];
  if (patch.some((item) => isObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isObject(item) && item.$patch === 'replace'));
  }
  if (key === null) {
    const seen = new Set(current.map((x) => JSON.stringify(x)));
    for (const item of patch) if (!seen.has(JSON.stringify(item))) current.push(structuredClone(item));
    return current;
  }
  for (const item of patch) {
    if (!isObject(item) || item[key] === undefined) {
      throw new ApiError(
        422,
        'Invalid',
        `map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`,
      );
    }
    const index = current.findIndex((x) => isObject(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) current.splice(index, 1);
      continue;
    }
    if (index >= 0) current[index] = smp(kind, path, current[index], item) as Json;
    else current.push(structuredClone(item));
  }
  return current;
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw jsonPatchError(`JSON pointer must start with "/": ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatchError(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function parentOf(doc: Json, tokens: string[], path: string): { parent: JsonObject | Json[]; last: string } {
  let node: Json = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)] as Json;
    else if (isObject(node)) node = node[token] as Json;
    else node = undefined as unknown as Json;
    if (node === undefined) throw jsonPatchError(`doc is missing path: "${path}": missing value`);
  }
  if (!Array.isArray(node) && !isObject(node))
    throw jsonPatchError(`doc is missing path: "${path}": missing value`);
  return { parent: node, last: tokens[tokens.length - 1]! };
}

function arrayIndex(parent: Json[], token: string, path: string, forInsert: boolean): number {
  if (forInsert && token === '-') return parent.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token))
    throw jsonPatchError(`Unable to access invalid index: ${token} (${path})`);
  const i = Number(token);
  if (i > parent.length || (!forInsert && i >= parent.length)) {
    throw jsonPatchError(`Unable to access invalid index: ${i} (${path})`);
  }
  return i;
}

function getAt(doc: Json, path: string): Json {
  let node: Json | undefined = doc;
  for (const token of pointer(path)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = Object.hasOwn(node, token) ? node[token] : undefined;
    else node = undefined;
    if (node === undefined) throw jsonPatchError(`doc is missing path: "${path}": missing value`);
  }
  return node;
}

function addAt(doc: Json, path: string, value: Json): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, true), 0, value);
  else parent[last] = value;
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const tokens = pointer(path);
  if (tokens.length === 0) throw jsonPatchError('cannot remove the whole document');
  const { parent, last } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, false), 1);
  else {
    if (!Object.hasOwn(parent, last))
      throw jsonPatchError(`Unable to remove nonexistent key: ${last}: missing value`);
    delete parent[last];
  }
  return doc;
}

/** RFC 6902 JSON patch. A failed `test` or a missing path is 422, as the real server answers. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target) as Json;
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObject(raw as unknown) || typeof raw.path !== 'string')
      throw badRequest('invalid JSON patch operation');
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, structuredClone(raw.value as Json));
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        getAt(doc, raw.path);
        doc = removeAt(doc, raw.path);
        doc = addAt(doc, raw.path, structuredClone(raw.value as Json));
        break;
      case 'move': {
        const value = getAt(doc, raw.from ?? '');
        doc = removeAt(doc, raw.from ?? '');
        doc = addAt(doc, raw.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, structuredClone(getAt(doc, raw.from ?? '')));
        break;
      case 'test': {
        const actual = getAt(doc, raw.path);
        if (stableStringify(actual) !== stableStringify(raw.value)) {
          throw jsonPatchError(`testing value ${raw.path} failed: test failed`);
        }
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${String(raw.op)}`);
    }
  }
  return doc;
}
