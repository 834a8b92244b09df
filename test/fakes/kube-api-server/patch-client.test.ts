import { PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';
import { apiFailure, clientsFor, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer;
let core: ReturnType<typeof clientsFor>['core'];

beforeEach(async () => {
  server = await startFakeKubeApiServer({ objects: [namespace('a')] });
  core = clientsFor(server).core;
  await core.createNamespacedSecret({
    namespace: 'a',
    body: {
      metadata: { name: 's', labels: { keep: 'yes', drop: 'yes' } },
      data: { one: b64('1'), two: b64('2') },
    },
  });
});
afterEach(async () => {
  await server.close();
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

describe('merge patch (application/merge-patch+json)', () => {
  it('merges maps and deletes keys set to null', async () => {
    const patched = await core.patchNamespacedSecret(
      {
        namespace: 'a',
        name: 's',
        body: { metadata: { labels: { drop: null, new: 'x' } }, data: { two: null, three: b64('3') } },
      },
      merge,
    );
    expect(patched.metadata?.labels).toEqual({ keep: 'yes', new: 'x' });
    expect(patched.data).toEqual({ one: b64('1'), three: b64('3') });
    expect(server.requests.at(-1)).toMatchObject({
      verb: 'patch',
      contentType: 'application/merge-patch+json',
      status: 200,
    });
  });

  it('uses metadata.resourceVersion in the patch as a precondition', async () => {
    const current = await core.readNamespacedSecret({ namespace: 'a', name: 's' });
    const stale = String(Number(current.metadata?.resourceVersion) - 1);
    const failure = await apiFailure(
      core.patchNamespacedSecret(
        { namespace: 'a', name: 's', body: { metadata: { resourceVersion: stale }, data: { x: b64('x') } } },
        merge,
      ),
    );
    expect(failure).toMatchObject({ code: 409, reason: 'Conflict' });
    await core.patchNamespacedSecret(
      {
        namespace: 'a',
        name: 's',
        body: { metadata: { resourceVersion: current.metadata?.resourceVersion }, data: { x: b64('x') } },
      },
      merge,
    );
    expect(server.store.get('secrets', 'a', 's')?.data).toHaveProperty('x');
  });

  it('answers 404 for a missing object and 422 when the result is invalid', async () => {
    expect(
      (await apiFailure(core.patchNamespacedSecret({ namespace: 'a', name: 'nope', body: {} }, merge))).code,
    ).toBe(404);
    const failure = await apiFailure(
      core.patchNamespacedSecret(
        { namespace: 'a', name: 's', body: { data: { 'bad key': b64('x') } } },
        merge,
      ),
    );
    expect(failure).toMatchObject({ code: 422, reason: 'Invalid' });
  });
});

describe('strategic merge patch (application/strategic-merge-patch+json)', () => {
  it('REPLACES ServiceAccount.imagePullSecrets (the field has no patch strategy in the real API)', async () => {
    await core.patchNamespacedServiceAccount(
      { namespace: 'a', name: 'default', body: { imagePullSecrets: [{ name: 'user-secret' }] } },
      strategic,
    );
    const sa = await core.patchNamespacedServiceAccount(
      { namespace: 'a', name: 'default', body: { imagePullSecrets: [{ name: 'regcred' }] } },
      strategic,
    );
    expect(sa.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  it('merges ServiceAccount.secrets by name and honours $patch: delete', async () => {
    await core.patchNamespacedServiceAccount(
      { namespace: 'a', name: 'default', body: { secrets: [{ name: 'x' }] } },
      strategic,
    );
    let sa = await core.patchNamespacedServiceAccount(
      { namespace: 'a', name: 'default', body: { secrets: [{ name: 'y' }] } },
      strategic,
    );
    expect(sa.secrets).toEqual([{ name: 'x' }, { name: 'y' }]);
    sa = await core.patchNamespacedServiceAccount(
      { namespace: 'a', name: 'default', body: { secrets: [{ name: 'x', $patch: 'delete' }] } },
      strategic,
    );
    expect(sa.secrets).toEqual([{ name: 'y' }]);
  });

  it('merges label and data maps like a merge patch', async () => {
    const s = await core.patchNamespacedSecret(
      {
        namespace: 'a',
        name: 's',
        body: { metadata: { labels: { drop: null } }, data: { three: b64('3') } },
      },
      strategic,
    );
    expect(s.metadata?.labels).toEqual({ keep: 'yes' });
    expect(Object.keys(s.data ?? {}).sort()).toEqual(['one', 'three', 'two']);
  });
});

describe('JSON patch (application/json-patch+json, client-node default)', () => {
  it('applies add/replace/remove', async () => {
    const s = await core.patchNamespacedSecret({
      namespace: 'a',
      name: 's',
      body: [
        { op: 'add', path: '/metadata/labels/new', value: 'x' },
        { op: 'replace', path: '/data/one', value: b64('one') },
        { op: 'remove', path: '/data/two' },
      ],
    });
    expect(s.metadata?.labels).toEqual({ keep: 'yes', drop: 'yes', new: 'x' });
    expect(s.data).toEqual({ one: b64('one') });
    expect(server.requests.at(-1)?.contentType).toBe('application/json-patch+json');
  });

  it('answers 422 when a test op fails, and writes nothing', async () => {
    const before = server.store.resourceVersion;
    const failure = await apiFailure(
      core.patchNamespacedSecret({
        namespace: 'a',
        name: 's',
        body: [
          { op: 'test', path: '/data/one', value: b64('other') },
          { op: 'remove', path: '/data/two' },
        ],
      }),
    );
    expect(failure).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(server.store.resourceVersion).toBe(before);
  });

  it('answers 422 for a path that does not exist', async () => {
    const failure = await apiFailure(
      core.patchNamespacedSecret({ namespace: 'a', name: 's', body: [{ op: 'remove', path: '/data/zzz' }] }),
    );
    expect(failure.code).toBe(422);
  });
});

describe('server-side apply (application/apply-patch+yaml)', () => {
  const desired = (data: Record<string, string>): V1Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'r', namespace: 'a', labels: { 'app.kubernetes.io/managed-by': 'regcred' } },
    type: 'Opaque',
    data,
  });

  it('creates when missing, records the manager in managedFields, and is a no-op when re-applied', async () => {
    const created = await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'regcred', body: desired({ k: b64('1') }) },
      apply,
    );
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ manager: 'regcred', operation: 'Apply' });
    expect(server.requests.at(-1)).toMatchObject({ status: 201, query: { fieldManager: 'regcred' } });
    const again = await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'regcred', body: desired({ k: b64('1') }) },
      apply,
    );
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('conflicts (409) with another manager over a field it owns, unless force=true', async () => {
    await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'regcred', body: desired({ k: b64('1') }) },
      apply,
    );
    // A user edits the value with kubectl (an Update by another manager).
    await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'kubectl-edit', body: { data: { k: b64('user') } } },
      merge,
    );
    const failure = await apiFailure(
      core.patchNamespacedSecret(
        { namespace: 'a', name: 'r', fieldManager: 'regcred', body: desired({ k: b64('2') }) },
        apply,
      ),
    );
    expect(failure).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(failure.message).toContain('conflict with "kubectl-edit"');
    expect(failure.details?.causes).toEqual([
      expect.objectContaining({ reason: 'FieldManagerConflict', field: '.data.k' }),
    ]);
    const forced = await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'regcred', force: true, body: desired({ k: b64('2') }) },
      apply,
    );
    expect(forced.data).toEqual({ k: b64('2') });
  });

  it('removes fields the manager stopped applying but keeps fields others added', async () => {
    await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'regcred', body: desired({ k: b64('1'), old: b64('o') }) },
      apply,
    );
    await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'user', body: { data: { mine: b64('m') } } },
      merge,
    );
    const s = await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'regcred', body: desired({ k: b64('1') }) },
      apply,
    );
    expect(s.data).toEqual({ k: b64('1'), mine: b64('m') });
  });

  it('requires fieldManager (400)', async () => {
    const failure = await apiFailure(
      core.patchNamespacedSecret({ namespace: 'a', name: 'r', body: desired({}) }, apply),
    );
    expect(failure).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('honours metadata.resourceVersion in the applied object as a precondition', async () => {
    const created = await core.patchNamespacedSecret(
      { namespace: 'a', name: 'r', fieldManager: 'regcred', body: desired({ k: b64('1') }) },
      apply,
    );
    await core.patchNamespacedSecret({ namespace: 'a', name: 'r', body: { data: { k: b64('x') } } }, merge);
    const body = desired({ k: b64('2') });
    body.metadata!.resourceVersion = created.metadata?.resourceVersion;
    const failure = await apiFailure(
      core.patchNamespacedSecret(
        { namespace: 'a', name: 'r', fieldManager: 'regcred', force: true, body },
        apply,
      ),
    );
    expect(failure).toMatchObject({ code: 409, reason: 'Conflict' });
  });
});

it('answers 415 for an unknown patch content type', async () => {
  const failure = await apiFailure(
    core.patchNamespacedSecret(
      { namespace: 'a', name: 's', body: {} },
      setHeaderOptions('Content-Type', 'text/plain'),
    ),
  );
  expect(failure.code).toBe(415);
});
