import { randomUUID } from 'node:crypto';
import { type ResourceInfo, resourceByKind, resourceByName } from './resources.ts';
import { expired } from './status.ts';
import { prepareObject } from './strategy.ts';
import type { FakeStore, KubeObject } from './types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as kept in the watch history. Objects are never mutated once stored. */
export interface StoreEvent {
  type: EventType;
  resource: ResourceInfo;
  rv: number;
  object: KubeObject;
  /** The previous state for MODIFIED, so selector watches can turn it into ADDED/DELETED. */
  old: KubeObject | undefined;
}

export type StoreListener = (event: StoreEvent) => void;

export interface MemoryStoreOptions {
  historyLimit: number;
  defaultServiceAccounts: boolean;
  /** Create the default ServiceAccount this long after its namespace (0: in the same write). */
  defaultServiceAccountDelayMs?: number;
  now: () => Date;
}

/**
 * All objects, keyed resource → namespace ('' when cluster-scoped) → name, with one global
 * resourceVersion counter and a bounded event history for watch resumption.
 */
export class MemoryStore implements FakeStore {
  readonly #options: MemoryStoreOptions;
  readonly #data = new Map<string, Map<string, Map<string, KubeObject>>>();
  readonly #listeners = new Set<StoreListener>();
  #rv = 0;
  #history: StoreEvent[] = [];
  #first = 0;
  /** The oldest resourceVersion a watch may resume from. */
  #minResumable = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: MemoryStoreOptions) {
    this.#options = options;
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  get currentRv(): number {
    return this.#rv;
  }

  get minResumableRv(): number {
    return this.#minResumable;
  }

  now(): Date {
    return this.#options.now();
  }

  // ---- internal API (handlers): returns stored objects; callers must not mutate them ----

  lookup(r: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#data
      .get(r.key)
      ?.get(namespace ?? '')
      ?.get(name);
  }

  /** Every stored object of a resource, in one namespace or all, sorted by namespace then name. */
  items(r: ResourceInfo, namespace?: string): KubeObject[] {
    const byNs = this.#data.get(r.key);
    if (!byNs) return [];
    const out: KubeObject[] = [];
    const namespaces = namespace === undefined ? [...byNs.keys()].sort() : [namespace];
    for (const ns of namespaces) {
      const names = byNs.get(ns);
      if (!names) continue;
      for (const name of [...names.keys()].sort()) out.push(names.get(name)!);
    }
    return out;
  }

  /** Store `obj` (already complete except resourceVersion) and emit ADDED or MODIFIED. */
  write(r: ResourceInfo, obj: KubeObject): KubeObject {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name!;
    const old = this.lookup(r, ns, name);
    this.#rv++;
    obj.metadata.resourceVersion = String(this.#rv);
    let byNs = this.#data.get(r.key);
    if (!byNs) {
      byNs = new Map();
      this.#data.set(r.key, byNs);
    }
    let names = byNs.get(ns);
    if (!names) {
      names = new Map();
      byNs.set(ns, names);
    }
    names.set(name, obj);
    this.#emit({ type: old ? 'MODIFIED' : 'ADDED', resource: r, rv: this.#rv, object: obj, old });
    if (!old && r.key === 'namespaces' && this.#options.defaultServiceAccounts)
      this.#scheduleDefaultServiceAccount(name);
    return obj;
  }

  /** Remove and emit DELETED; the event carries the object with a fresh resourceVersion. */
  remove(r: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    const ns = namespace ?? '';
    const names = this.#data.get(r.key)?.get(ns);
    const old = names?.get(name);
    if (!names || !old) return undefined;
    if (r.key === 'namespaces') this.#removeNamespaceContents(name);
    names.delete(name);
    this.#rv++;
    const gone: KubeObject = { ...old, metadata: { ...old.metadata, resourceVersion: String(this.#rv) } };
    this.#emit({ type: 'DELETED', resource: r, rv: this.#rv, object: gone, old });
    return gone;
  }

  newUid(): string {
    return randomUUID();
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events after `rv`, or a 410 Expired error when the history no longer reaches back that far. */
  eventsSince(rv: number): StoreEvent[] {
    if (rv < this.#minResumable) {
      throw expired(`too old resource version: ${rv} (${this.#minResumable})`);
    }
    const out: StoreEvent[] = [];
    for (let i = this.#first; i < this.#history.length; i++) {
      const event = this.#history[i]!;
      if (event.rv > rv) out.push(event);
    }
    return out;
  }

  /** Forget all history: watches and continue tokens from before now get 410. */
  compact(): void {
    this.#history = [];
    this.#first = 0;
    this.#minResumable = this.#rv;
  }

  // ---- FakeStore (tests): copies in, copies out ----

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.lookup(this.#resource(resource), namespace, name);
    return obj ? structuredClone(obj) : undefined;
  }

  list(resource: string, namespace?: string): KubeObject[] {
    return this.items(this.#resource(resource), namespace).map((o) => structuredClone(o));
  }

  put(input: KubeObject): KubeObject {
    const r = resourceByKind(input.apiVersion, input.kind);
    if (!r) throw new Error(`fake kube store: unknown apiVersion/kind ${input.apiVersion}/${input.kind}`);
    const obj = structuredClone(input);
    if (!obj.metadata?.name) throw new Error('fake kube store: metadata.name is required');
    if (r.namespaced && !obj.metadata.namespace)
      throw new Error(`fake kube store: ${r.kind} needs a namespace`);
    if (!r.namespaced) delete obj.metadata.namespace;
    const old = this.lookup(r, obj.metadata.namespace, obj.metadata.name);
    prepareObject(r, obj, old, this);
    return structuredClone(this.write(r, obj));
  }

  delete(resource: string, namespace: string | undefined, name: string): void {
    this.remove(this.#resource(resource), namespace, name);
  }

  #resource(name: string): ResourceInfo {
    const r = resourceByName(name);
    if (!r) throw new Error(`fake kube store: unknown resource ${name}`);
    return r;
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    if (this.#history.length - this.#first > this.#options.historyLimit) {
      this.#minResumable = this.#history[this.#first]!.rv;
      this.#first++;
      if (this.#first > 1024 && this.#first * 2 > this.#history.length) {
        this.#history = this.#history.slice(this.#first);
        this.#first = 0;
      }
    }
    for (const listener of this.#listeners) listener(event);
  }

  #removeNamespaceContents(namespace: string): void {
    for (const [key, byNs] of this.#data) {
      if (key === 'namespaces') continue;
      const names = byNs.get(namespace);
      if (!names) continue;
      const r = resourceByName(key)!;
      for (const name of [...names.keys()].sort()) this.remove(r, namespace, name);
      byNs.delete(namespace);
    }
  }

  /** Stop pending background work (delayed default ServiceAccounts). */
  cancelTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #scheduleDefaultServiceAccount(namespace: string): void {
    const delay = this.#options.defaultServiceAccountDelayMs ?? 0;
    if (delay <= 0) {
      this.#ensureDefaultServiceAccount(namespace);
      return;
    }
    // The real ServiceAccount controller works asynchronously: a client may see the namespace first.
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#ensureDefaultServiceAccount(namespace);
    }, delay);
    timer.unref();
    this.#timers.add(timer);
  }

  #ensureDefaultServiceAccount(namespace: string): void {
    const r = resourceByName('serviceaccounts')!;
    const ns = this.lookup(resourceByName('namespaces')!, undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp || this.lookup(r, namespace, 'default')) return;
    const sa: KubeObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace },
    };
    prepareObject(r, sa, undefined, this);
    this.write(r, sa);
  }
}
