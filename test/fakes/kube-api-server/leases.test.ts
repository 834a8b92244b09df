import type { V1Lease } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';
import { apiFailure, clientsFor, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer;
let clients: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  server = await startFakeKubeApiServer({ objects: [namespace('regcred')] });
  clients = clientsFor(server);
});
afterAll(async () => {
  await server.close();
});

const lease = (holder: string): V1Lease => ({
  metadata: { name: 'regcred-leader' },
  spec: {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: new Date(),
    renewTime: new Date(),
    leaseTransitions: 0,
  },
});

describe('leases (leader election)', () => {
  it('let exactly one of two racing replicas take over a lease', async () => {
    const { coordination } = clients;
    await coordination.createNamespacedLease({ namespace: 'regcred', body: lease('replica-0') });
    const seenByOne = await coordination.readNamespacedLease({
      namespace: 'regcred',
      name: 'regcred-leader',
    });
    const seenByTwo = await coordination.readNamespacedLease({
      namespace: 'regcred',
      name: 'regcred-leader',
    });
    const take = (seen: V1Lease, holder: string) =>
      coordination.replaceNamespacedLease({
        namespace: 'regcred',
        name: 'regcred-leader',
        body: { ...seen, spec: { ...seen.spec, holderIdentity: holder } },
      });
    const results = await Promise.allSettled([take(seenByOne, 'replica-1'), take(seenByTwo, 'replica-2')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failure = await apiFailure(
      Promise.reject((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason),
    );
    expect(failure).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(failure.message).toContain('leases.coordination.k8s.io "regcred-leader"');
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<V1Lease>).value;
    expect(server.store.get('leases', 'regcred', 'regcred-leader')?.spec).toMatchObject({
      holderIdentity: winner.spec?.holderIdentity,
    });
  });

  it('create a lease on PUT when missing (the real lease strategy allows create-on-update)', async () => {
    const created = await clients.coordination.replaceNamespacedLease({
      namespace: 'regcred',
      name: 'other',
      body: { ...lease('x'), metadata: { name: 'other' } },
    });
    expect(created.metadata?.resourceVersion).toBeDefined();
    expect(server.requests.at(-1)?.status).toBe(201);
  });

  it('refuse an update without resourceVersion (422: leases do not allow unconditional updates)', async () => {
    const failure = await apiFailure(
      clients.coordination.replaceNamespacedLease({
        namespace: 'regcred',
        name: 'regcred-leader',
        body: lease('sneaky'),
      }),
    );
    expect(failure).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(failure.details?.causes).toEqual([expect.objectContaining({ field: 'metadata.resourceVersion' })]);
  });

  it('reject a negative leaseDurationSeconds (422)', async () => {
    const body = lease('x');
    body.metadata = { name: 'bad' };
    body.spec!.leaseDurationSeconds = -1;
    const failure = await apiFailure(
      clients.coordination.createNamespacedLease({ namespace: 'regcred', body }),
    );
    expect(failure).toMatchObject({ code: 422, reason: 'Invalid' });
  });
});
