import type { ResourceInfo } from './resources.ts';
import type { KubeObject } from './types.ts';

/** The store facts a strategy needs (kept narrow so strategy does not import the store). */
export interface StrategyContext {
  newUid(): string;
  now(): Date;
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whether two objects differ outside metadata (and status): that is what bumps generation. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return stableStringify(rest);
  };
  return strip(a) !== strip(b);
}

/** JSON with object keys sorted, so semantically equal objects compare equal. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * True when an update would change nothing: the real server then skips the write, keeps the
 * resourceVersion and emits no watch event.
 */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject): string => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
    return stableStringify({ ...o, metadata: meta });
  };
  return strip(a) === strip(b);
}

/**
 * What the real resource strategies do before storing (PrepareForCreate / PrepareForUpdate):
 * system metadata, Namespace defaults, Secret stringData → data. Mutates `obj`.
 */
export function prepareObject(
  r: ResourceInfo,
  obj: KubeObject,
  old: KubeObject | undefined,
  ctx: StrategyContext,
): void {
  obj.apiVersion = r.apiVersion;
  obj.kind = r.kind;
  const meta = obj.metadata;
  delete meta.resourceVersion;
  if (old) {
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete meta.deletionTimestamp;
    meta.generation = (old.metadata.generation ?? 1) + (specChanged(old, obj) ? 1 : 0);
  } else {
    meta.uid ??= ctx.newUid();
    meta.creationTimestamp ??= timestamp(ctx.now());
    meta.generation = 1;
    delete meta.deletionTimestamp;
  }
  if (r.key === 'namespaces') {
    meta.labels = { ...meta.labels, 'kubernetes.io/metadata.name': meta.name! };
    // spec.finalizers changes only through /finalize, status only through /status (not served here).
    const spec = { ...(obj.spec as object | undefined) } as { finalizers?: string[] };
    const oldFinalizers = (old?.spec as { finalizers?: string[] } | undefined)?.finalizers;
    if (old) {
      if (oldFinalizers) spec.finalizers = oldFinalizers;
      else delete spec.finalizers;
    } else spec.finalizers ??= ['kubernetes'];
    obj.spec = spec;
    const status = (old?.status ?? obj.status ?? {}) as { phase?: string };
    obj.status = { ...status, phase: status.phase ?? 'Active' };
  }
  if (r.key === 'secrets') {
    obj.type ??= old?.type ?? 'Opaque';
    const stringData = obj.stringData;
    if (stringData !== undefined && stringData !== null && typeof stringData === 'object') {
      const data = { ...(obj.data as Record<string, string> | undefined) };
      for (const [k, v] of Object.entries(stringData))
        data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      obj.data = data;
    }
    delete obj.stringData;
  }
}
