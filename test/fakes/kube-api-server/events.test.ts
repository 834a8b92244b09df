import { EventsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';
import { apiFailure, clientsFor, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer;
let clients: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  server = await startFakeKubeApiServer({ objects: [namespace('regcred'), namespace('default')] });
  clients = clientsFor(server);
});
afterAll(async () => {
  await server.close();
});

describe('events', () => {
  it('accept core/v1 and events.k8s.io/v1 Events, each listed under its own group', async () => {
    const ref = { kind: 'Secret', namespace: 'regcred', name: 'regcred', apiVersion: 'v1' };
    await clients.core.createNamespacedEvent({
      namespace: 'regcred',
      body: {
        metadata: { generateName: 'regcred.' },
        involvedObject: ref,
        reason: 'SyncFailed',
        message: 'm',
        type: 'Warning',
      },
    });
    const events = clients.kc.makeApiClient(EventsV1Api);
    await events.createNamespacedEvent({
      namespace: 'regcred',
      body: {
        metadata: { generateName: 'regcred.' },
        regarding: ref,
        reason: 'SyncFailed',
        note: 'm',
        type: 'Warning',
        eventTime: new Date(),
        reportingController: 'regcred',
        reportingInstance: 'x',
        action: 'Sync',
      },
    });
    const coreEvents = await clients.core.listNamespacedEvent({
      namespace: 'regcred',
      fieldSelector: 'involvedObject.name=regcred,reason=SyncFailed',
    });
    expect(coreEvents.items).toHaveLength(1);
    expect(server.store.list('events.events.k8s.io', 'regcred')).toHaveLength(1);
  });
});

describe('event validation (real legacyValidateEvent rules)', () => {
  const nsRef = { kind: 'Namespace', name: 'regcred', apiVersion: 'v1' };
  const cases: {
    name: string;
    namespace: string;
    involvedObject: Record<string, string>;
    ok: boolean;
    field?: string;
  }[] = [
    { name: 'about a Namespace, in default', namespace: 'default', involvedObject: nsRef, ok: true },
    {
      name: 'about a Namespace, in that namespace',
      namespace: 'regcred',
      involvedObject: nsRef,
      ok: false,
      field: 'involvedObject.namespace',
    },
    {
      name: 'about a Namespace, with involvedObject.namespace',
      namespace: 'regcred',
      involvedObject: { ...nsRef, namespace: 'regcred' },
      ok: false,
      field: 'involvedObject.namespace',
    },
    {
      name: 'about a Secret, in its namespace',
      namespace: 'regcred',
      involvedObject: { kind: 'Secret', name: 's', namespace: 'regcred' },
      ok: true,
    },
    {
      name: 'about a Secret, without involvedObject.namespace',
      namespace: 'regcred',
      involvedObject: { kind: 'Secret', name: 's' },
      ok: false,
      field: 'involvedObject.namespace',
    },
  ];
  it.each(cases)('$name → ok=$ok', async ({ namespace: ns, involvedObject, ok, field }) => {
    const call = clients.core.createNamespacedEvent({
      namespace: ns,
      body: { metadata: { generateName: 'e.' }, involvedObject, reason: 'R', message: 'm', type: 'Normal' },
    });
    if (ok) {
      await call;
      return;
    }
    const failure = await apiFailure(call);
    expect(failure).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(failure.details?.causes).toContainEqual(expect.objectContaining({ field }));
  });

  it('requires reportingController, reportingInstance and action on events.k8s.io/v1', async () => {
    const events = clients.kc.makeApiClient(EventsV1Api);
    const failure = await apiFailure(
      events.createNamespacedEvent({
        namespace: 'regcred',
        body: {
          metadata: { generateName: 'e.' },
          regarding: { kind: 'Secret', name: 's', namespace: 'regcred' },
          reason: 'R',
          eventTime: new Date(),
        },
      }),
    );
    expect(failure.code).toBe(422);
    expect(((failure.details?.causes ?? []) as { field: string }[]).map((c) => c.field).sort()).toEqual([
      'action',
      'reportingController',
      'reportingInstance',
    ]);
  });
});
