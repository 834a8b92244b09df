import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { backoffDelay } from '../core/refresh-policy.ts';
import { statusOf } from './kube-error.ts';
import type { ObjectList, ObjectMeta, WatchEvent } from './types.ts';

export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  onUpdate?(object: T, previous: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions<T extends { metadata: ObjectMeta }> {
  readonly name: string;
  list(signal: AbortSignal): Promise<ObjectList<T>>;
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
  /** Converts a raw watch object (JSON) to T. */
  convert(raw: unknown): T;
  readonly handlers?: InformerHandlers<T>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Pause between failed list/watch attempts (doubles up to 30 s). */
  readonly initialBackoffMs?: number;
}

/**
 * A cache kept current by list + watch, like client-go's reflector. The watch resumes from the last
 * resourceVersion it saw (bookmarks included); a 410 Gone (or repeated failures) triggers a relist, and
 * the relist is diffed against the cache so deletions that happened while disconnected are delivered.
 */
export class Informer<T extends { metadata: ObjectMeta }> {
  readonly #options: InformerOptions<T>;
  readonly #store = new Map<string, T>();
  readonly #clock: Clock;
  readonly #logger: Logger;
  #synced = false;
  #resourceVersion = '';
  #relists = 0;
  readonly #syncWaiters: (() => void)[] = [];

  constructor(options: InformerOptions<T>) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger()).child({ informer: options.name });
  }

  static key(meta: Pick<ObjectMeta, 'namespace' | 'name'>): string {
    return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#store.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.#store.values()];
  }

  get size(): number {
    return this.#store.size;
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  /** How many full lists were made (1 at start, +1 per 410 or repeated failure). */
  get relists(): number {
    return this.#relists;
  }

  /** Records what a write returned, so the next reconcile does not act on a stale copy. */
  upsert(object: T): void {
    const key = Informer.key(object.metadata);
    const previous = this.#store.get(key);
    if (previous && newerOrSame(previous, object)) return;
    this.#store.set(key, object);
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /** Runs until `signal` aborts. Never throws: failures are logged and retried with backoff. */
  async run(signal: AbortSignal): Promise<void> {
    const initial = this.#options.initialBackoffMs ?? 500;
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.#relist(signal);
          needList = false;
        }
        await this.#options.watch(this.#resourceVersion, (event) => this.#apply(event), signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        // 410: the version is older than the server keeps; anything repeated: the cache may be stale.
        const gone = statusOf(error) === 410;
        if (gone || failures >= 3) needList = true;
        const delay = gone ? 0 : backoffDelay(failures, { initialMs: initial, maxMs: 30_000 });
        this.#logger.warn({ err: error, failures, relist: needList }, `watch failed: ${errorMessage(error)}`);
        try {
          await this.#clock.sleep(delay, signal);
        } catch {
          break;
        }
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const result = await this.#options.list(signal);
    this.#relists++;
    const seen = new Set<string>();
    for (const object of result.items) {
      const key = Informer.key(object.metadata);
      seen.add(key);
      const previous = this.#store.get(key);
      this.#store.set(key, object);
      if (!previous) this.#options.handlers?.onAdd?.(object);
      else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.#options.handlers?.onUpdate?.(object, previous);
    }
    for (const [key, object] of this.#store) {
      if (!seen.has(key)) {
        this.#store.delete(key);
        this.#options.handlers?.onDelete?.(object);
      }
    }
    this.#resourceVersion = result.resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter();
    }
  }

  #apply(event: WatchEvent<T>): void {
    const object = this.#options.convert(event.object);
    if (object.metadata.resourceVersion) this.#resourceVersion = object.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    const key = Informer.key(object.metadata);
    const previous = this.#store.get(key);
    if (event.type === 'DELETED') {
      this.#store.delete(key);
      this.#options.handlers?.onDelete?.(object);
      return;
    }
    this.#store.set(key, object);
    if (!previous) this.#options.handlers?.onAdd?.(object);
    // The echo of our own write, already recorded by upsert(): nothing changed, nothing to react to.
    else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion)
      this.#options.handlers?.onUpdate?.(object, previous);
  }
}

function newerOrSame(previous: { metadata: ObjectMeta }, next: { metadata: ObjectMeta }): boolean {
  const a = Number(previous.metadata.resourceVersion);
  const b = Number(next.metadata.resourceVersion);
  return Number.isFinite(a) && Number.isFinite(b) && a >= b;
}
