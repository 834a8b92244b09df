import { describe, expect, it } from 'vitest';
import { MemoryStore, type StoreEvent } from './store.ts';
import type { KubeObject } from './types.ts';

const ns = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const secret = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
});

function makeStore(historyLimit = 1000, defaultServiceAccounts = false): MemoryStore {
  return new MemoryStore({ historyLimit, defaultServiceAccounts, now: () => new Date(Date.UTC(2026, 0, 1)) });
}

describe('MemoryStore', () => {
  it('bumps one global resourceVersion per write and keeps uid/creationTimestamp on replace', () => {
    const store = makeStore();
    const a = store.put(ns('a'));
    const s = store.put(secret('a', 's'));
    expect([a.metadata.resourceVersion, s.metadata.resourceVersion]).toEqual(['1', '2']);
    expect(s.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    const replaced = store.put({ ...secret('a', 's'), data: { k: 'dg==' } });
    expect(replaced.metadata.uid).toBe(s.metadata.uid);
    expect(replaced.metadata.resourceVersion).toBe('3');
    expect(store.resourceVersion).toBe('3');
  });

  it('creates a default ServiceAccount with each new namespace when asked', () => {
    const store = makeStore(1000, true);
    store.put(ns('a'));
    store.put(ns('a'));
    expect(store.list('serviceaccounts').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'a/default',
    ]);
  });

  it('cascades a namespace delete to its objects, emitting DELETED for each', () => {
    const store = makeStore();
    store.put(ns('a'));
    store.put(secret('a', 's'));
    store.put(ns('b'));
    store.put(secret('b', 't'));
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    store.delete('namespaces', undefined, 'a');
    expect(events.map((e) => `${e.type} ${e.resource.resource} ${e.object.metadata.name}`)).toEqual([
      'DELETED secrets s',
      'DELETED namespaces a',
    ]);
    expect(store.list('secrets').map((o) => o.metadata.name)).toEqual(['t']);
  });

  it('keeps exactly historyLimit events: older resourceVersions expire', () => {
    const store = makeStore(3);
    for (const name of ['a', 'b', 'c', 'd', 'e']) store.put(ns(name));
    expect(store.eventsSince(2).map((e) => e.rv)).toEqual([3, 4, 5]);
    expect(() => store.eventsSince(1)).toThrow(/too old resource version: 1 \(2\)/);
  });

  it('forgets everything on compact()', () => {
    const store = makeStore();
    store.put(ns('a'));
    store.put(ns('b'));
    store.compact();
    expect(store.eventsSince(2)).toEqual([]);
    expect(() => store.eventsSince(1)).toThrow(/too old/);
  });

  it('returns copies, never its own objects', () => {
    const store = makeStore();
    store.put(ns('a'));
    store.get('namespaces', undefined, 'a')!.metadata.name = 'changed';
    expect(store.get('namespaces', undefined, 'a')?.metadata.name).toBe('a');
  });

  it.each([
    { name: 'unknown kind', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } },
    { name: 'no name', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: {} } },
    {
      name: 'namespaced without namespace',
      obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } },
    },
  ])('refuses $name', ({ obj }) => {
    expect(() => makeStore().put(obj)).toThrow(/fake kube store/);
  });
});
