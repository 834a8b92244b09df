import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';

let server: FakeKubeApiServer;
beforeAll(async () => {
  server = await startFakeKubeApiServer();
});
afterAll(async () => {
  await server.close();
});

it('smoke', async () => {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'a' } } });
  const s = await core.createNamespacedSecret({
    namespace: 'a',
    body: { metadata: { name: 's' }, stringData: { x: 'y' } },
  });
  expect(s.data?.x).toBe('eQ==');
  const list = await core.listNamespacedServiceAccount({ namespace: 'a' });
  expect(list.items.map((i) => i.metadata?.name)).toEqual(['default']);
  const events: string[] = [];
  const w = new Watch(kc);
  const done = new Promise((resolve) => {
    void w.watch(
      '/api/v1/namespaces/a/secrets',
      { resourceVersion: list.metadata?.resourceVersion },
      (type, obj) => events.push(`${type} ${obj.metadata.name}`),
      resolve,
    );
  });
  await core.patchNamespacedSecret(
    { namespace: 'a', name: 's', body: { metadata: { labels: { a: 'b' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await new Promise((r) => setTimeout(r, 100));
  server.dropWatches();
  console.log(await done);
  console.log(events);
  console.log(JSON.stringify(server.requests.map((r) => [r.verb, r.path, r.status, r.contentType])));
});
