import type { V1Secret } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';
import { apiFailure, clientsFor, dockerSecret, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer;
let core: ReturnType<typeof clientsFor>['core'];

beforeEach(async () => {
  server = await startFakeKubeApiServer({ objects: [namespace('a'), namespace('b')] });
  core = clientsFor(server).core;
});
afterEach(async () => {
  await server.close();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('create and get', () => {
  it('assigns uid, resourceVersion, creationTimestamp, generation and answers 201', async () => {
    const before = Number(server.store.resourceVersion);
    const created = await core.createNamespacedSecret({
      namespace: 'a',
      body: dockerSecret('a', 'regcred') as V1Secret,
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBe(before + 1);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.metadata?.generation).toBe(1);
    expect(server.requests.at(-1)).toMatchObject({
      verb: 'create',
      resource: 'secrets',
      namespace: 'a',
      status: 201,
    });
    const got = await core.readNamespacedSecret({ namespace: 'a', name: 'regcred' });
    expect(got.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(got.type).toBe('kubernetes.io/dockerconfigjson');
  });

  it('converts stringData to base64 data and defaults type to Opaque', async () => {
    const s = await core.createNamespacedSecret({
      namespace: 'a',
      body: { metadata: { name: 's' }, stringData: { k: 'v' } },
    });
    expect(s.data).toEqual({ k: b64('v') });
    expect(s.stringData).toBeUndefined();
    expect(s.type).toBe('Opaque');
  });

  it('answers 409 AlreadyExists for a second create', async () => {
    await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } });
    const failure = await apiFailure(
      core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } }),
    );
    expect(failure).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'secrets "s" already exists',
    });
    expect(failure.details).toMatchObject({ name: 's', kind: 'secrets' });
  });

  it('answers 404 NotFound with a Status for a missing object', async () => {
    const failure = await apiFailure(core.readNamespacedSecret({ namespace: 'a', name: 'missing' }));
    expect(failure).toMatchObject({ code: 404, reason: 'NotFound', message: 'secrets "missing" not found' });
    expect(failure.details).toEqual({ name: 'missing', kind: 'secrets' });
  });

  it('answers 404 for the namespace when creating in a namespace that does not exist', async () => {
    const failure = await apiFailure(
      core.createNamespacedSecret({ namespace: 'nope', body: { metadata: { name: 's' } } }),
    );
    expect(failure).toMatchObject({ code: 404, reason: 'NotFound', message: 'namespaces "nope" not found' });
  });

  it('generates a name from generateName', async () => {
    const s = await core.createNamespacedSecret({
      namespace: 'a',
      body: { metadata: { generateName: 'x-' } },
    });
    expect(s.metadata?.name).toMatch(/^x-[a-z0-9]{5}$/);
  });

  it('refuses a resourceVersion on create like the real storage layer (500)', async () => {
    const failure = await apiFailure(
      core.createNamespacedSecret({
        namespace: 'a',
        body: { metadata: { name: 's', resourceVersion: '5' } },
      }),
    );
    expect(failure.code).toBe(500);
  });
});

describe('invalid objects', () => {
  const cases: { name: string; body: V1Secret; code: number; reason: string; field?: string }[] = [
    { name: 'missing name', body: { metadata: {} }, code: 422, reason: 'Invalid', field: 'metadata.name' },
    {
      name: 'upper-case name',
      body: { metadata: { name: 'Bad_Name' } },
      code: 422,
      reason: 'Invalid',
      field: 'metadata.name',
    },
    {
      name: 'dockerconfigjson without its key',
      body: { metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', data: { other: b64('{}') } },
      code: 422,
      reason: 'Invalid',
      field: 'data[.dockerconfigjson]',
    },
    {
      name: 'dockerconfigjson that is not JSON',
      body: {
        metadata: { name: 's' },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': b64('{nope') },
      },
      code: 422,
      reason: 'Invalid',
      field: 'data[.dockerconfigjson]',
    },
    {
      name: 'bad data key',
      body: { metadata: { name: 's' }, data: { 'a b': b64('x') } },
      code: 422,
      reason: 'Invalid',
      field: 'data[a b]',
    },
    {
      name: 'bad label value',
      body: { metadata: { name: 's', labels: { a: 'not ok!' } } },
      code: 422,
      reason: 'Invalid',
      field: 'metadata.labels',
    },
    // The real server fails to decode []byte before validation: 400, not 422.
    {
      name: 'data that is not base64',
      body: { metadata: { name: 's' }, data: { k: 'not base64!' } },
      code: 400,
      reason: 'BadRequest',
    },
    {
      name: 'namespace mismatch',
      body: { metadata: { name: 's', namespace: 'b' } },
      code: 400,
      reason: 'BadRequest',
    },
  ];
  it.each(cases)('$name → $code $reason', async ({ body, code, reason, field }) => {
    const failure = await apiFailure(core.createNamespacedSecret({ namespace: 'a', body }));
    expect(failure).toMatchObject({ code, reason });
    if (field) expect(failure.details?.causes).toContainEqual(expect.objectContaining({ field }));
    expect(server.store.list('secrets', 'a')).toEqual([]);
  });

  it('never echoes secret contents in the Invalid message', async () => {
    const body = {
      metadata: { name: 's' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64('{hunter2') },
    };
    const failure = await apiFailure(core.createNamespacedSecret({ namespace: 'a', body }));
    expect(JSON.stringify(failure)).not.toContain('hunter2');
  });

  it('rejects changing a Secret type on update (immutable field)', async () => {
    await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' }, type: 'Opaque' } });
    const failure = await apiFailure(
      core.replaceNamespacedSecret({
        namespace: 'a',
        name: 's',
        body: { metadata: { name: 's' }, type: 'kubernetes.io/tls' },
      }),
    );
    expect(failure).toMatchObject({ code: 422, reason: 'Invalid' });
  });
});

describe('replace (PUT)', () => {
  it('updates with the current resourceVersion and 409s with a stale one', async () => {
    const created = await core.createNamespacedSecret({
      namespace: 'a',
      body: { metadata: { name: 's' }, data: { k: b64('1') } },
    });
    const updated = await core.replaceNamespacedSecret({
      namespace: 'a',
      name: 's',
      body: { ...created, data: { k: b64('2') } },
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    expect(updated.metadata?.uid).toBe(created.metadata?.uid);
    const stale = await apiFailure(
      core.replaceNamespacedSecret({
        namespace: 'a',
        name: 's',
        body: { ...created, data: { k: b64('3') } },
      }),
    );
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.message).toBe(
      'Operation cannot be fulfilled on secrets "s": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(server.store.get('secrets', 'a', 's')?.data).toEqual({ k: b64('2') });
  });

  it('treats a PUT without resourceVersion as unconditional', async () => {
    await core.createNamespacedSecret({
      namespace: 'a',
      body: { metadata: { name: 's' }, data: { k: b64('1') } },
    });
    await core.replaceNamespacedSecret({
      namespace: 'a',
      name: 's',
      body: { metadata: { name: 's' }, data: { k: b64('9') } },
    });
    expect(server.store.get('secrets', 'a', 's')?.data).toEqual({ k: b64('9') });
  });

  it('answers 404 for a PUT of a missing Secret', async () => {
    const failure = await apiFailure(
      core.replaceNamespacedSecret({ namespace: 'a', name: 's', body: { metadata: { name: 's' } } }),
    );
    expect(failure).toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('skips a no-op update: same resourceVersion, no watch event', async () => {
    const created = await core.createNamespacedSecret({
      namespace: 'a',
      body: { metadata: { name: 's' }, data: { k: b64('1') } },
    });
    const again = await core.replaceNamespacedSecret({ namespace: 'a', name: 's', body: created });
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(server.store.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('answers 400 when the body names another object than the URL', async () => {
    await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } });
    const failure = await apiFailure(
      core.replaceNamespacedSecret({ namespace: 'a', name: 's', body: { metadata: { name: 't' } } }),
    );
    expect(failure).toMatchObject({ code: 400, reason: 'BadRequest' });
  });
});

describe('delete', () => {
  it('deletes with 200 and a Success Status; then 404', async () => {
    const created = await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } });
    const status = await core.deleteNamespacedSecret({ namespace: 'a', name: 's' });
    expect(status).toMatchObject({
      status: 'Success',
      details: { name: 's', kind: 'secrets', uid: created.metadata?.uid },
    });
    expect(server.store.get('secrets', 'a', 's')).toBeUndefined();
    expect((await apiFailure(core.deleteNamespacedSecret({ namespace: 'a', name: 's' }))).code).toBe(404);
  });

  const preconditions = [
    {
      name: 'stale resourceVersion',
      pre: (rv: string, _uid: string) => ({ resourceVersion: String(Number(rv) - 1) }),
    },
    {
      name: 'wrong uid',
      pre: (_rv: string, _uid: string) => ({ uid: '00000000-0000-0000-0000-000000000000' }),
    },
  ];
  it.each(preconditions)('honours preconditions: $name → 409', async ({ pre }) => {
    const created = await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } });
    const failure = await apiFailure(
      core.deleteNamespacedSecret({
        namespace: 'a',
        name: 's',
        body: { preconditions: pre(created.metadata!.resourceVersion!, created.metadata!.uid!) },
      }),
    );
    expect(failure).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(server.store.get('secrets', 'a', 's')).toBeDefined();
  });

  it('deletes when preconditions match', async () => {
    const created = await core.createNamespacedSecret({ namespace: 'a', body: { metadata: { name: 's' } } });
    await core.deleteNamespacedSecret({
      namespace: 'a',
      name: 's',
      body: {
        preconditions: { resourceVersion: created.metadata?.resourceVersion, uid: created.metadata?.uid },
      },
    });
    expect(server.store.get('secrets', 'a', 's')).toBeUndefined();
  });
});

describe('store access', () => {
  it('put bumps the resourceVersion and is visible through the API; get returns a copy', async () => {
    const stored = server.store.put(dockerSecret('a', 'x'));
    expect(stored.metadata.resourceVersion).toBe(server.store.resourceVersion);
    stored.metadata.labels = { mutated: 'yes' };
    const read = await core.readNamespacedSecret({ namespace: 'a', name: 'x' });
    expect(read.metadata?.labels).toBeUndefined();
    server.store.delete('secrets', 'a', 'x');
    expect((await apiFailure(core.readNamespacedSecret({ namespace: 'a', name: 'x' }))).code).toBe(404);
  });
});

describe('body formats', () => {
  it('accepts YAML bodies and refuses protobuf with 415, like a server without that codec', async () => {
    const yaml = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: from-yaml\nstringData:\n  k: v\n';
    const created = await fetch(`${server.url}/api/v1/namespaces/a/secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: yaml,
    });
    expect(created.status).toBe(201);
    const proto = await fetch(`${server.url}/api/v1/namespaces/a/secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
      body: 'k8s\u0000',
    });
    expect(proto.status).toBe(415);
    expect(await proto.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType' });
  });
});
