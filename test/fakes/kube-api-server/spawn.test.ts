import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SpawnedFakeKubeApiServer, spawnFakeKubeApiServer } from './spawn.ts';
import { apiFailure, clientsFor } from './test-helpers.ts';

let fake: SpawnedFakeKubeApiServer;
beforeAll(async () => {
  fake = await spawnFakeKubeApiServer({ namespaces: 3, namespaceLabels: { team: 'x' } });
});
afterAll(async () => {
  await fake.close();
});

it('runs in a child process, seeded, and reports request stats over the control API', async () => {
  expect(fake.pid).not.toBe(process.pid);
  const { core } = clientsFor({ kubeconfigYaml: (ns?: string) => fake.kubeconfigYaml(ns) });
  const list = await core.listNamespace({ labelSelector: 'team=x' });
  expect(list.items.map((n) => n.metadata?.name)).toEqual(['ns-0', 'ns-1', 'ns-2']);
  await core.createNamespacedSecret({ namespace: 'ns-1', body: { metadata: { name: 's' } } });
  await fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'late' } });
  await fake.addFault({ verb: 'get', resource: 'namespaces', status: 503, times: 1 });
  expect((await apiFailure(core.readNamespace({ name: 'late' }))).code).toBe(503);
  const stats = await fake.stats();
  expect(stats.byVerb).toEqual({ list: 1, create: 1, get: 1 });
  expect(stats.byStatus).toEqual({ 200: 1, 201: 1, 503: 1 });
  expect(stats.byVerbResource['create secrets']).toBe(1);
  expect((await fake.requests()).map((r) => r.verb)).toEqual(['list', 'create', 'get']);
  await fake.resetRequests();
  expect((await fake.stats()).total).toBe(0);
});
