import type { V1Secret } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, type FakeKubeApiServerOptions, startFakeKubeApiServer } from './index.ts';
import { apiFailure, clientsFor, dockerSecret, eventually, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer | undefined;

async function start(options: FakeKubeApiServerOptions = {}) {
  server = await startFakeKubeApiServer({ objects: [namespace('a')], ...options });
  return { server, ...clientsFor(server) };
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('namespaces', () => {
  it('get phase Active, the metadata.name label, the kubernetes finalizer and a default ServiceAccount', async () => {
    const { server, core } = await start();
    const ns = await core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    expect(ns.status?.phase).toBe('Active');
    expect(ns.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-x' });
    expect(ns.spec?.finalizers).toEqual(['kubernetes']);
    expect(server.store.get('serviceaccounts', 'team-x', 'default')?.metadata.uid).toBeDefined();
  });

  it('get their default ServiceAccount later with defaultServiceAccountDelayMs, as with the real controller', async () => {
    const { server, core } = await start({ defaultServiceAccountDelayMs: 1500 });
    await core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    expect(server.store.get('serviceaccounts', 'team-x', 'default')).toBeUndefined();
    await eventually(() => server.store.get('serviceaccounts', 'team-x', 'default') !== undefined);
  });

  it('keep spec.finalizers and status on a plain update (they have their own subresources)', async () => {
    const { core } = await start();
    const current = await core.readNamespace({ name: 'a' });
    const updated = await core.replaceNamespace({
      name: 'a',
      body: { ...current, spec: { finalizers: [] }, status: { phase: 'Terminating' } },
    });
    expect(updated.spec?.finalizers).toEqual(['kubernetes']);
    expect(updated.status?.phase).toBe('Active');
  });

  it('get no default ServiceAccount when defaultServiceAccounts is false', async () => {
    const { server, core } = await start({ defaultServiceAccounts: false });
    await core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    expect(server.store.list('serviceaccounts')).toEqual([]);
  });

  it('reject names that are not DNS-1123 labels (422)', async () => {
    const { core } = await start();
    const failure = await apiFailure(core.createNamespace({ body: { metadata: { name: 'a.b' } } }));
    expect(failure).toMatchObject({ code: 422, reason: 'Invalid' });
  });

  it('go Terminating on DELETE and refuse new content with 403 while terminating', async () => {
    const { server, core } = await start({ namespaceDeletionDelayMs: -1 });
    await core.createNamespacedSecret({ namespace: 'a', body: dockerSecret('a', 'regcred') as V1Secret });
    const deleted = await core.deleteNamespace({ name: 'a' });
    expect(deleted).toMatchObject({ status: { phase: 'Terminating' } });
    const ns = server.store.get('namespaces', undefined, 'a');
    expect(ns?.metadata.deletionTimestamp).toBeDefined();
    const failure = await apiFailure(
      core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 'late' } } }),
    );
    expect(failure).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(failure.message).toBe(
      'secrets "late" is forbidden: unable to create new content in namespace a because it is being terminated',
    );
    // Updates of existing objects are still allowed while terminating, as in the real server.
    await core.patchNamespacedSecret({
      namespace: 'a',
      name: 'regcred',
      body: [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }],
    });
    expect((await apiFailure(core.deleteNamespace({ name: 'a' }))).code).toBe(409);
  });

  it('vanish with their objects after namespaceDeletionDelayMs', async () => {
    const { server, core } = await start({ namespaceDeletionDelayMs: 10 });
    await core.createNamespacedSecret({ namespace: 'a', body: dockerSecret('a', 'regcred') as V1Secret });
    await core.deleteNamespace({ name: 'a' });
    await eventually(() => server.store.get('namespaces', undefined, 'a') === undefined);
    expect(server.store.list('secrets', 'a')).toEqual([]);
    expect(server.store.list('serviceaccounts', 'a')).toEqual([]);
  });

  it('stay Terminating until store.delete when namespaceDeletionDelayMs is negative', async () => {
    const { server, core } = await start({ namespaceDeletionDelayMs: -1 });
    await core.deleteNamespace({ name: 'a' });
    await new Promise((r) => setTimeout(r, 30));
    expect(server.store.get('namespaces', undefined, 'a')?.status).toEqual({ phase: 'Terminating' });
    server.store.delete('namespaces', undefined, 'a');
    expect(server.store.get('namespaces', undefined, 'a')).toBeUndefined();
    expect(server.store.list('serviceaccounts', 'a')).toEqual([]);
  });
});
