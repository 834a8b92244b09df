import { makeInformer, type V1Namespace, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, type FakeKubeApiServerOptions, startFakeKubeApiServer } from './index.ts';
import { clientsFor, eventually, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer;
let kc: ReturnType<typeof clientsFor>['kc'];
let core: ReturnType<typeof clientsFor>['core'];
const aborts: AbortController[] = [];

async function start(options: FakeKubeApiServerOptions = {}): Promise<void> {
  server = await startFakeKubeApiServer({ defaultServiceAccounts: false, ...options });
  ({ kc, core } = clientsFor(server));
}

interface Seen {
  events: { type: string; name: string; rv: string; code?: number }[];
  done: Promise<unknown>;
}

async function watch(
  path: string,
  query: Record<string, string | boolean | number | undefined>,
): Promise<Seen> {
  const events: Seen['events'] = [];
  let finish!: (err: unknown) => void;
  const done = new Promise<unknown>((resolve) => {
    finish = resolve;
  });
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) =>
      events.push({
        type,
        name: obj.metadata?.name ?? '',
        rv: obj.metadata?.resourceVersion ?? '',
        code: obj.code,
      }),
    (err) => finish(err ?? null),
  );
  aborts.push(controller);
  return { events, done };
}

beforeEach(async () => {
  await start({ objects: [namespace('a'), namespace('b')] });
});
afterEach(async () => {
  for (const c of aborts.splice(0)) c.abort();
  await server.close();
});

describe('watch', () => {
  it('sends synthetic ADDED for the current state when resourceVersion is absent, then live events', async () => {
    const seen = await watch('/api/v1/namespaces', {});
    await eventually(() => seen.events.length === 2);
    await core.createNamespace({ body: { metadata: { name: 'c' } } });
    await eventually(() => seen.events.length === 3);
    expect(seen.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a', 'ADDED b', 'ADDED c']);
    expect(server.requests.find((r) => r.verb === 'watch')).toMatchObject({
      resource: 'namespaces',
      status: 200,
    });
  });

  it('resumes after a resourceVersion: only later events, in order, including MODIFIED and DELETED', async () => {
    const list = await core.listNamespace();
    await core.patchNamespace({ name: 'a', body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }] });
    const seen = await watch('/api/v1/namespaces', { resourceVersion: list.metadata?.resourceVersion });
    await core.deleteNamespace({ name: 'b' });
    await eventually(() => seen.events.some((e) => e.type === 'DELETED'));
    expect(seen.events.map((e) => `${e.type} ${e.name}`)).toEqual(['MODIFIED a', 'MODIFIED b', 'DELETED b']);
    const rvs = seen.events.map((e) => Number(e.rv));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  });

  it('turns selector transitions into ADDED and DELETED', async () => {
    const list = await core.listNamespace();
    const seen = await watch('/api/v1/namespaces', {
      resourceVersion: list.metadata?.resourceVersion,
      labelSelector: 'team=x',
    });
    await core.patchNamespace({
      name: 'a',
      body: [{ op: 'add', path: '/metadata/labels/team', value: 'x' }],
    });
    await core.patchNamespace({
      name: 'a',
      body: [{ op: 'add', path: '/metadata/labels/other', value: 'z' }],
    });
    await core.patchNamespace({ name: 'a', body: [{ op: 'remove', path: '/metadata/labels/team' }] });
    await eventually(() => seen.events.length === 3);
    expect(seen.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  });

  it('sends bookmarks carrying the current resourceVersion when allowed', async () => {
    await server.close();
    await start({ objects: [namespace('a')], bookmarkIntervalMs: 20 });
    const seen = await watch('/api/v1/namespaces', {
      resourceVersion: server.store.resourceVersion,
      allowWatchBookmarks: true,
    });
    await eventually(() => seen.events.some((e) => e.type === 'BOOKMARK'));
    expect(seen.events.find((e) => e.type === 'BOOKMARK')?.rv).toBe(server.store.resourceVersion);
  });

  it('sends no bookmarks unless asked', async () => {
    await server.close();
    await start({ objects: [namespace('a')], bookmarkIntervalMs: 10 });
    const seen = await watch('/api/v1/namespaces', { resourceVersion: server.store.resourceVersion });
    const marker = await watch('/api/v1/namespaces', {
      resourceVersion: server.store.resourceVersion,
      allowWatchBookmarks: true,
    });
    await eventually(() => marker.events.filter((e) => e.type === 'BOOKMARK').length >= 3);
    expect(seen.events).toEqual([]);
  });

  it('answers an ERROR event with 410 Expired after compact(), then ends the stream', async () => {
    const rv = server.store.resourceVersion;
    await core.createNamespace({ body: { metadata: { name: 'c' } } });
    server.compact();
    const seen = await watch('/api/v1/namespaces', { resourceVersion: rv });
    expect(await seen.done).toBeNull();
    expect(seen.events).toEqual([{ type: 'ERROR', name: '', rv: '', code: 410 }]);
  });

  it('answers 410 once more writes than historyLimit happened', async () => {
    await server.close();
    await start({ objects: [namespace('a')], historyLimit: 3 });
    const rv = server.store.resourceVersion;
    for (const name of ['c', 'd', 'e']) server.store.put(namespace(name));
    const ok = await watch('/api/v1/namespaces', { resourceVersion: rv });
    await eventually(() => ok.events.length === 3);
    server.store.put(namespace('f'));
    const gone = await watch('/api/v1/namespaces', { resourceVersion: rv });
    await gone.done;
    expect(gone.events.map((e) => e.code)).toEqual([410]);
  });

  it('dropWatches() ends the client watch with an error', async () => {
    const seen = await watch('/api/v1/namespaces', { resourceVersion: server.store.resourceVersion });
    server.dropWatches();
    const err = await seen.done;
    expect(err).toBeInstanceOf(Error);
  });

  it('timeoutSeconds ends the stream cleanly', async () => {
    const seen = await watch('/api/v1/namespaces', {
      resourceVersion: server.store.resourceVersion,
      timeoutSeconds: 1,
    });
    expect(await seen.done).toBeNull();
  });

  it('close() ends open watches', async () => {
    const seen = await watch('/api/v1/namespaces', {});
    await server.close();
    expect(await seen.done).toBeInstanceOf(Error);
  });

  it('watches one namespace through the legacy /watch/ path', async () => {
    const seen = await watch('/api/v1/watch/namespaces/a/secrets', {});
    server.store.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'b' } });
    server.store.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'y', namespace: 'a' } });
    await eventually(() => seen.events.length === 1);
    expect(seen.events[0]).toMatchObject({ type: 'ADDED', name: 'y' });
  });
});

describe('informer (client-node ListWatch) against the fake', () => {
  it('lists, watches, and relists after a 410', async () => {
    const informer = makeInformer(kc, '/api/v1/namespaces', () => core.listNamespace());
    const added: string[] = [];
    informer.on('add', (ns: V1Namespace) => added.push(ns.metadata?.name ?? ''));
    await informer.start();
    try {
      await eventually(() => added.length === 2);
      await core.createNamespace({ body: { metadata: { name: 'c' } } });
      await eventually(() => added.includes('c'));
      // A dropped stream is an error for ListWatch: it stops and reports it.
      const errors: unknown[] = [];
      informer.on('error', (err: unknown) => errors.push(err));
      server.dropWatches();
      await eventually(() => errors.length === 1);
      // While it is down, history moves on and is compacted: resuming from its RV gets 410 and a relist.
      server.store.put(namespace('d'));
      server.compact();
      const before = server.requests.filter((r) => r.verb === 'list').length;
      await informer.start();
      await eventually(() => added.includes('d'));
      expect(server.requests.filter((r) => r.verb === 'list').length).toBeGreaterThan(before);
    } finally {
      await informer.stop();
    }
  });
});
