import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';
import { clientsFor, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer;
beforeAll(async () => {
  server = await startFakeKubeApiServer({ objects: [namespace('a')] });
});
afterAll(async () => {
  await server.close();
});

it('serves the discovery KubernetesObjectApi needs for generic create, read, apply and delete', async () => {
  const client = KubernetesObjectApi.makeApiClient(clientsFor(server).kc);
  const spec = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'l', namespace: 'a' },
    spec: { holderIdentity: 'me' },
  };
  await client.create(spec);
  const read = await client.read({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'l', namespace: 'a' },
  });
  expect(read.metadata?.resourceVersion).toBeDefined();
  const applied = await client.patch(
    { ...spec, spec: { holderIdentity: 'you' } },
    undefined,
    undefined,
    'regcred',
    true,
    PatchStrategy.ServerSideApply,
  );
  expect((applied as typeof spec).spec.holderIdentity).toBe('you');
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  expect(server.requests.some((r) => r.path === '/apis/coordination.k8s.io/v1')).toBe(true);
  expect(server.store.get('namespaces', undefined, 'a')?.metadata.deletionTimestamp).toBeDefined();
});
