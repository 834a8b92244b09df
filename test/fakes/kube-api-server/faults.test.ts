import { Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, type FakeKubeApiServerOptions, startFakeKubeApiServer } from './index.ts';
import { apiFailure, clientsFor, namespace } from './test-helpers.ts';
import type { FaultRule, RecordedRequest } from './types.ts';

let server: FakeKubeApiServer | undefined;

async function start(options: FakeKubeApiServerOptions = {}) {
  server = await startFakeKubeApiServer({ objects: [namespace('a'), namespace('b')], ...options });
  return { server, ...clientsFor(server) };
}
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('fault injection', () => {
  it('answers 403 with an RBAC-style Status for one namespace only', async () => {
    const { server, core } = await start();
    server.faults.add({ verb: 'create', resource: 'secrets', namespace: 'b', status: 403 });
    await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } });
    const failure = await apiFailure(
      core.createNamespacedSecret({ namespace: 'b', body: { metadata: { name: 's' } } }),
    );
    expect(failure).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(failure.message).toBe(
      'secrets is forbidden: User "system:serviceaccount:regcred:regcred" cannot create resource "secrets" in API group "" in the namespace "b"',
    );
    expect(server.store.get('secrets', 'b', 's')).toBeUndefined();
    expect(server.requests.map((r) => [r.namespace, r.status])).toEqual([
      ['a', 201],
      ['b', 403],
    ]);
  });

  it('answers 429 with a Retry-After header, `times` times, then lets requests through', async () => {
    const { server, core } = await start();
    server.faults.add({ verb: 'get', resource: 'namespaces', status: 429, retryAfterSeconds: 3, times: 2 });
    for (let i = 0; i < 2; i++) {
      const failure = await apiFailure(core.readNamespace({ name: 'a' }));
      expect(failure).toMatchObject({ code: 429, reason: 'TooManyRequests' });
      expect(failure.headers['retry-after']).toBe('3');
      expect(failure.details).toEqual({ retryAfterSeconds: 3 });
    }
    expect((await core.readNamespace({ name: 'a' })).metadata?.name).toBe('a');
  });

  const shapes: { rule: FaultRule; reason: string }[] = [
    { rule: { status: 500 }, reason: 'InternalError' },
    { rule: { status: 503 }, reason: 'ServiceUnavailable' },
    { rule: { status: 409 }, reason: 'Conflict' },
    { rule: { status: 422 }, reason: 'Invalid' },
    { rule: { status: 404 }, reason: 'NotFound' },
    { rule: { status: 500, message: 'etcdserver: request timed out' }, reason: 'InternalError' },
  ];
  it.each(shapes)('answers $rule.status with reason $reason and a Status body', async ({ rule, reason }) => {
    const { server, core } = await start();
    server.faults.add({ ...rule, resource: 'namespaces', name: 'a' });
    const failure = await apiFailure(core.readNamespace({ name: 'a' }));
    expect(failure).toMatchObject({ code: rule.status, reason });
    if (rule.message) expect(failure.message).toBe(rule.message);
    await core.readNamespace({ name: 'b' });
  });

  it('clear() removes every rule', async () => {
    const { server, core } = await start();
    server.faults.add({ status: 500 });
    server.faults.clear();
    await core.readNamespace({ name: 'a' });
  });

  it('fails a watch before it opens', async () => {
    const { server, kc } = await start();
    server.faults.add({ verb: 'watch', status: 503 });
    const err = await new Promise<unknown>((resolve) => {
      void new Watch(kc).watch('/api/v1/namespaces', {}, () => {}, resolve);
    });
    expect(err).toMatchObject({ statusCode: 503 });
  });
});

describe('latency', () => {
  it('delays requests concurrently, not one after another', async () => {
    // In flight = requests that entered their delay minus answers received; serialized delays would keep it at 1.
    let entered = 0;
    let answered = 0;
    let maxInFlight = 0;
    const { core } = await start({
      latencyMs: (req: RecordedRequest) => {
        if (req.verb !== 'get') return 0;
        entered++;
        maxInFlight = Math.max(maxInFlight, entered - answered);
        return 1000;
      },
    });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        core.readNamespace({ name: 'a' }).then(() => {
          answered++;
        }),
      ),
    );
    expect(entered).toBe(20);
    expect(maxInFlight).toBeGreaterThanOrEqual(10);
  });
});

describe('recording', () => {
  it('records verb, group, resource, namespace, name, content type, status and body', async () => {
    const { server, core, coordination } = await start();
    await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } });
    await apiFailure(coordination.readNamespacedLease({ namespace: 'a', name: 'l' }));
    await core.listNamespace();
    expect(server.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/api/v1/namespaces/a/secrets',
        verb: 'create',
        group: '',
        resource: 'secrets',
        namespace: 'a',
        contentType: 'application/json',
        status: 201,
        body: expect.objectContaining({ metadata: { name: 's' } }),
      }),
      expect.objectContaining({
        verb: 'get',
        group: 'coordination.k8s.io',
        resource: 'leases',
        name: 'l',
        status: 404,
      }),
      expect.objectContaining({ verb: 'list', resource: 'namespaces', status: 200 }),
    ]);
    server.resetRequests();
    expect(server.requests).toEqual([]);
  });
});
