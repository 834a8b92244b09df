import { applyPatch } from './apply.ts';
import { listObjects, matcherFromQuery } from './list.ts';
import { recordUpdate } from './managed-fields.ts';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { type ResourceInfo, resourceByName } from './resources.ts';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  notFound,
  qualifiedResource,
  success,
} from './status.ts';
import type { MemoryStore } from './store.ts';
import { prepareObject, sameContent, timestamp } from './strategy.ts';
import type { KubeObject } from './types.ts';
import { checkDecodable, validateObject } from './validation.ts';

export interface HandlerContext {
  store: MemoryStore;
  /** Called when a namespace enters Terminating; the server finalizes it later. */
  namespaceTerminating(name: string): void;
}

export interface Call {
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  query: Record<string, string>;
  body: unknown;
  contentType: string | undefined;
}

export interface Answer {
  status: number;
  body: unknown;
}

const NAMESPACES = resourceByName('namespaces')!;

function isDryRun(query: Record<string, string>): boolean {
  return query.dryRun === 'All';
}

function asObject(body: unknown): KubeObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('the body of the request was not a valid object');
  }
  const obj = structuredClone(body) as KubeObject;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object') throw badRequest('metadata must be an object');
  return obj;
}

/** The body must be of the URL's kind and (when namespaced) name the URL's namespace. */
function checkIdentity(call: Call, obj: KubeObject): void {
  const r = call.resource;
  if (obj.apiVersion !== undefined && obj.apiVersion !== r.apiVersion) {
    throw badRequest(
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${r.apiVersion})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== r.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`);
  }
  if (r.namespaced) {
    if (
      obj.metadata.namespace !== undefined &&
      obj.metadata.namespace !== '' &&
      obj.metadata.namespace !== call.namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    obj.metadata.namespace = call.namespace;
  } else {
    delete obj.metadata.namespace;
  }
}

/** Creating needs the namespace to exist (404) and not be terminating (403). */
function checkNamespaceOpen(
  ctx: HandlerContext,
  r: ResourceInfo,
  namespace: string | undefined,
  name: string,
): void {
  if (!r.namespaced || namespace === undefined) return;
  const ns = ctx.store.lookup(NAMESPACES, undefined, namespace);
  if (!ns) throw notFound(NAMESPACES, namespace);
  if (ns.metadata.deletionTimestamp) {
    const why = `unable to create new content in namespace ${namespace} because it is being terminated`;
    const err = forbidden(r, name, why);
    err.details!.causes = [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }];
    throw err;
  }
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

export function handleGet(ctx: HandlerContext, call: Call): Answer {
  const obj = ctx.store.lookup(call.resource, call.namespace, call.name!);
  if (!obj) throw notFound(call.resource, call.name!);
  return { status: 200, body: obj };
}

export function handleList(ctx: HandlerContext, call: Call): Answer {
  return { status: 200, body: listObjects(ctx.store, call.resource, call.namespace, call.query) };
}

export function handleCreate(ctx: HandlerContext, call: Call, manager: string): Answer {
  const obj = asObject(call.body);
  checkIdentity(call, obj);
  if (!obj.metadata.name && obj.metadata.generateName)
    obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
  const name = obj.metadata.name ?? '';
  if (obj.metadata.resourceVersion) {
    throw new ApiError(
      500,
      'InternalError',
      'Internal error occurred: resourceVersion should not be set on objects to be created',
    );
  }
  return create(ctx, call, obj, name, manager);
}

function create(
  ctx: HandlerContext,
  call: Call,
  obj: KubeObject,
  name: string,
  manager: string | null,
): Answer {
  const r = call.resource;
  checkDecodable(r, obj);
  prepareObject(r, obj, undefined, ctx.store);
  validateObject(r, obj, undefined);
  checkNamespaceOpen(ctx, r, call.namespace, name);
  if (ctx.store.lookup(r, call.namespace, name)) throw alreadyExists(r, name);
  recordUpdate(obj, undefined, manager, ctx.store.now());
  if (isDryRun(call.query)) return { status: 201, body: obj };
  return { status: 201, body: ctx.store.write(r, obj) };
}

/** The shared tail of PUT and PATCH: preconditions, validation, no-op detection, write. */
function commitUpdate(
  ctx: HandlerContext,
  call: Call,
  old: KubeObject,
  next: KubeObject,
  manager: string | null,
): Answer {
  const r = call.resource;
  const name = call.name!;
  if (next.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  const wantRv = next.metadata.resourceVersion;
  if (wantRv !== undefined && wantRv !== '' && wantRv !== old.metadata.resourceVersion)
    throw conflict(r, name);
  const wantUid = next.metadata.uid;
  if (wantUid !== undefined && wantUid !== '' && wantUid !== old.metadata.uid) {
    throw conflict(
      r,
      name,
      `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${old.metadata.uid}`,
    );
  }
  checkDecodable(r, next);
  prepareObject(r, next, old, ctx.store);
  validateObject(r, next, old);
  recordUpdate(next, old, manager, ctx.store.now());
  if (sameContent(old, next)) return { status: 200, body: old };
  if (isDryRun(call.query))
    return {
      status: 200,
      body: { ...next, metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion } },
    };
  return { status: 200, body: ctx.store.write(r, next) };
}

export function handleUpdate(ctx: HandlerContext, call: Call, manager: string): Answer {
  const r = call.resource;
  const next = asObject(call.body);
  checkIdentity(call, next);
  const old = ctx.store.lookup(r, call.namespace, call.name!);
  if (!old) {
    if (!r.createOnUpdate) throw notFound(r, call.name!);
    if (next.metadata.name !== call.name) {
      throw badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${call.name})`,
      );
    }
    delete next.metadata.resourceVersion;
    return create(ctx, call, next, call.name!, manager);
  }
  if (!r.unconditionalUpdate && !next.metadata.resourceVersion) {
    throw new ApiError(
      422,
      'Invalid',
      `${qualifiedResource(r)} "${call.name}" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update`,
      {
        name: call.name!,
        ...(r.group === '' ? {} : { group: r.group }),
        kind: r.resource,
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: 0: must be specified for an update',
            field: 'metadata.resourceVersion',
          },
        ],
      },
    );
  }
  return commitUpdate(ctx, call, old, next, manager);
}

export function handlePatch(ctx: HandlerContext, call: Call, manager: string): Answer {
  const r = call.resource;
  const type = call.contentType;
  const old = ctx.store.lookup(r, call.namespace, call.name!);
  if (type === 'application/apply-patch+yaml') {
    return applyPatch(ctx, call, old, { create, commitUpdate, checkIdentity, asObject });
  }
  if (!old) throw notFound(r, call.name!);
  let patched: unknown;
  if (type === 'application/merge-patch+json') patched = mergePatch(old, call.body);
  else if (type === 'application/strategic-merge-patch+json')
    patched = strategicMergePatch(r.kind, old, call.body);
  else if (type === 'application/json-patch+json') patched = jsonPatch(old, call.body);
  else {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
    );
  }
  const next = asObject(patched);
  checkIdentity(call, next);
  // A patch that does not mention resourceVersion must not act as a precondition.
  const patchRv = resourceVersionInPatch(call.body);
  if (patchRv === undefined) next.metadata.resourceVersion = old.metadata.resourceVersion;
  return commitUpdate(ctx, call, old, next, manager);
}

function resourceVersionInPatch(body: unknown): string | undefined {
  if (Array.isArray(body)) {
    const op = body.find(
      (o: unknown) =>
        typeof o === 'object' &&
        o !== null &&
        (o as { path?: string }).path === '/metadata/resourceVersion' &&
        (o as { op?: string }).op !== 'test',
    ) as { value?: unknown } | undefined;
    return op?.value === undefined ? undefined : String(op.value);
  }
  const meta = (body as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return meta?.resourceVersion === undefined || meta.resourceVersion === null
    ? undefined
    : String(meta.resourceVersion);
}

interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

function checkPreconditions(r: ResourceInfo, obj: KubeObject, options: DeleteOptions): void {
  const pre = options.preconditions;
  if (!pre) return;
  const name = obj.metadata.name!;
  if (pre.uid && pre.uid !== obj.metadata.uid) {
    throw conflict(
      r,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
    );
  }
  if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(
      r,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
    );
  }
}

export function handleDelete(ctx: HandlerContext, call: Call): Answer {
  const r = call.resource;
  const name = call.name!;
  const obj = ctx.store.lookup(r, call.namespace, name);
  if (!obj) throw notFound(r, name);
  const options = (call.body ?? {}) as DeleteOptions;
  checkPreconditions(r, obj, options);
  const dryRun = isDryRun(call.query) || options.dryRun?.includes('All') === true;
  if (r === NAMESPACES) {
    if (obj.metadata.deletionTimestamp) {
      throw conflict(
        r,
        name,
        'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
      );
    }
    const terminating: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata, deletionTimestamp: timestamp(ctx.store.now()) },
      status: { ...(obj.status as object), phase: 'Terminating' },
    };
    if (dryRun) return { status: 200, body: terminating };
    const stored = ctx.store.write(r, terminating);
    ctx.namespaceTerminating(name);
    return { status: 200, body: stored };
  }
  if (dryRun) return { status: 200, body: success(r, name, obj.metadata.uid) };
  ctx.store.remove(r, call.namespace, name);
  return { status: 200, body: success(r, name, obj.metadata.uid) };
}

export function handleDeleteCollection(ctx: HandlerContext, call: Call): Answer {
  const r = call.resource;
  if (r === NAMESPACES) {
    throw new ApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (delete ${qualifiedResource(r)})`,
    );
  }
  const matcher = matcherFromQuery(r, call.query);
  let items = ctx.store.items(r, call.namespace);
  if (matcher) items = items.filter(matcher);
  const deleted = isDryRun(call.query)
    ? items
    : items.map((o) => ctx.store.remove(r, call.namespace ?? o.metadata.namespace, o.metadata.name!)!);
  return {
    status: 200,
    body: {
      kind: `${r.kind}List`,
      apiVersion: r.apiVersion,
      metadata: { resourceVersion: ctx.store.resourceVersion },
      items: deleted,
    },
  };
}
