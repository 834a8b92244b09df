import { afterEach, describe, expect, it } from 'vitest';
import { registerRunCommand } from '../../src/cli/commands/run.ts';
import { decodeDockerConfig } from '../../src/sync/docker-config.ts';
import { type FakeKubeApiServer, startFakeKubeApiServer } from '../fakes/kube-api-server/index.ts';
import { FakeCredentialSource } from './fake-credential-source.ts';
import { baseConfig, createTestCli, namespaceObject, REGISTRIES, type TestCli, writes } from './harness.ts';

let server: FakeKubeApiServer | undefined;
const running: { cli: TestCli; done: Promise<void> }[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.cli.terminate();
    await r.done;
  }
  await server?.close();
  server = undefined;
});

const FAST = { resyncPeriod: '1h', leaseDuration: '2s', initialBackoff: '200ms', maxBackoff: '1s' };

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function startRun(
  s: FakeKubeApiServer,
  secrets: unknown[],
  options: { credentials?: FakeCredentialSource; args?: string[]; sync?: Record<string, unknown> } = {},
) {
  const cli = createTestCli({
    server: s,
    config: baseConfig(secrets, { ...FAST, ...(options.sync ?? {}) }),
    register: registerRunCommand,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const done = cli.run(['run', '--metrics-listen', '127.0.0.1:0', ...(options.args ?? [])]);
  const entry = { cli, done };
  running.push(entry);
  return entry;
}

function port(cli: TestCli): number | undefined {
  const line = cli.logs.lines().find((l) => typeof l.port === 'number');
  return line?.port as number | undefined;
}

const secretIn = (s: FakeKubeApiServer, ns: string) =>
  s.store.get('secrets', ns, 'regcred') as { data?: Record<string, string> } | undefined;
const authsIn = (s: FakeKubeApiServer, ns: string) =>
  decodeDockerConfig(secretIn(s, ns)?.data?.['.dockerconfigjson'])?.auths;

describe('regcred run', () => {
  it('syncs, follows new namespaces, restores deleted and edited Secrets, patches new ServiceAccounts', async () => {
    server = await startFakeKubeApiServer({
      objects: [namespaceObject('a'), namespaceObject('regcred-system')] as never[],
      bookmarkIntervalMs: 200,
    });
    const s = server;
    const { cli } = startRun(s, [{ name: 'regcred', serviceAccounts: ['*'] }]);
    await waitFor('Secret in a', () => secretIn(s, 'a'));
    const p = await waitFor('metrics port', () => port(cli));
    await waitFor('ready', () => cli.logs.text().includes('initial sync done'));
    const ready = await fetch(`http://127.0.0.1:${p}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
    expect(metrics).toContain('regcred_credential_expiry_timestamp_seconds{registry="ecr"}');
    expect(metrics).toContain('regcred_leader 1');
    // Metrics carry registry names, timestamps and counts; never a password or its base64 form.
    expect(cli.credentials.issued.length).toBeGreaterThan(0);
    for (const secret of cli.credentials.issued) {
      expect(metrics).not.toContain(secret);
      expect(metrics).not.toContain(Buffer.from(secret).toString('base64'));
    }

    s.store.put(namespaceObject('b') as never);
    await waitFor('Secret in new namespace b', () => secretIn(s, 'b'));
    await waitFor('default SA in b patched', () =>
      (
        s.store.get('serviceaccounts', 'b', 'default') as
          | { imagePullSecrets?: { name: string }[] }
          | undefined
      )?.imagePullSecrets?.some((r) => r.name === 'regcred'),
    );

    s.store.delete('secrets', 'a', 'regcred');
    await waitFor('deleted Secret restored', () => secretIn(s, 'a'));

    const edited = s.store.get('secrets', 'a', 'regcred');
    s.store.put({
      ...(edited as object),
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    } as never);
    await waitFor('edited Secret restored', () => Object.keys(authsIn(s, 'a') ?? {}).length === 4);

    s.store.put({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'builder', namespace: 'a' },
      imagePullSecrets: [{ name: 'theirs' }],
    } as never);
    await waitFor('new ServiceAccount patched, other entries kept', () => {
      const sa = s.store.get('serviceaccounts', 'a', 'builder') as
        | { imagePullSecrets?: { name: string }[] }
        | undefined;
      return (
        JSON.stringify(sa?.imagePullSecrets) === JSON.stringify([{ name: 'theirs' }, { name: 'regcred' }])
      );
    });
    cli.logs.assertNoSecrets(cli.credentials.issued);
  });

  it('keeps going after watches drop and history is compacted (410 → relist)', async () => {
    server = await startFakeKubeApiServer({
      objects: [namespaceObject('a'), namespaceObject('regcred-system')] as never[],
      historyLimit: 5,
    });
    const s = server;
    const { cli } = startRun(s, [{ name: 'regcred' }]);
    await waitFor('initial sync', () => cli.logs.text().includes('initial sync done'));
    const listsBefore = s.requests.filter((r) => r.verb === 'list' && r.resource === 'namespaces').length;
    s.dropWatches();
    for (let i = 0; i < 10; i++)
      s.store.put({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `c${i}`, namespace: 'a' },
      } as never);
    s.store.put(namespaceObject('late') as never);
    s.compact();
    await waitFor('Secret in namespace created while disconnected', () => secretIn(s, 'late'));
    s.dropWatches();
    s.store.put(namespaceObject('later') as never);
    await waitFor('Secret after a second drop', () => secretIn(s, 'later'));
    expect(s.requests.filter((r) => r.verb === 'list' && r.resource === 'namespaces').length).toBeGreaterThan(
      listsBefore,
    );
  });

  it('refreshes at a fraction of the lifetime, keeps the last good credential on failure, backs off and recovers', async () => {
    server = await startFakeKubeApiServer({ objects: [namespaceObject('a')] as never[] });
    const s = server;
    const credentials = new FakeCredentialSource(
      [{ name: 'short', hosts: ['short.example.com'], lifetimeMs: 4_000 }, ...REGISTRIES.slice(2)],
      { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    );
    const config = {
      registries: [
        { provider: 'static', name: 'short', hosts: ['short.example.com'] },
        { provider: 'static', name: 'hub', hosts: ['docker.io'] },
      ],
    };
    const cli = createTestCli({
      server: s,
      config: {
        ...config,
        secrets: [{ name: 'regcred' }],
        sync: { ...FAST, qps: 1000, burst: 1000, refreshJitter: 0, refreshMargin: 0 },
      },
      register: registerRunCommand,
      credentials,
    });
    const done = cli.run(['run', '--metrics-listen', '127.0.0.1:0', '--no-leader-elect']);
    running.push({ cli, done });
    await waitFor('first write', () => authsIn(s, 'a')?.['short.example.com']);
    const first = authsIn(s, 'a')?.['short.example.com']?.password;
    credentials.fail('short');
    await waitFor('a failed refresh', () => cli.logs.text().includes('keeping the last good credential'));
    expect(authsIn(s, 'a')?.['short.example.com']?.password).toBe(first);
    credentials.heal('short');
    credentials.rotate('short');
    await waitFor(
      'rotated credential written',
      () => authsIn(s, 'a')?.['short.example.com']?.password === credentials.password('short'),
    );
    cli.logs.assertNoSecrets(credentials.issued);
  });

  it('two replicas: one leader writes; SIGTERM releases the lease and the other takes over', async () => {
    server = await startFakeKubeApiServer({
      objects: [namespaceObject('a'), namespaceObject('regcred-system')] as never[],
    });
    const s = server;
    const one = startRun(s, [{ name: 'regcred' }], { args: ['--identity', 'one'] });
    await waitFor(
      'one leads',
      () =>
        (
          s.store.get('leases', 'regcred-system', 'regcred') as
            | { spec?: { holderIdentity?: string } }
            | undefined
        )?.spec?.holderIdentity === 'one',
    );
    const two = startRun(s, [{ name: 'regcred' }], { args: ['--identity', 'two'] });
    await waitFor('two is up', () => two.cli.logs.text().includes('serving'));
    await waitFor('Secret written', () => secretIn(s, 'a'));
    s.store.put(namespaceObject('b') as never);
    await waitFor('Secret in b', () => secretIn(s, 'b'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(two.cli.logs.text()).not.toContain('created Secret');

    one.cli.terminate();
    await one.done;
    await waitFor(
      'two takes over',
      () =>
        (s.store.get('leases', 'regcred-system', 'regcred') as { spec?: { holderIdentity?: string } }).spec
          ?.holderIdentity === 'two',
    );
    s.store.put(namespaceObject('c') as never);
    await waitFor('Secret in c written by two', () =>
      two.cli.logs.text().includes('created Secret c/regcred'),
    );
    expect(secretIn(s, 'c')).toBeDefined();
    expect(one.cli.logs.text()).toContain('lease released');
  });

  it('a foreign Secret is reported once and never written; writes stay idle when nothing changes', async () => {
    server = await startFakeKubeApiServer({
      objects: [
        namespaceObject('a'),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: { name: 'regcred', namespace: 'a' },
          data: { x: 'eQ==' },
        },
      ] as never[],
    });
    const s = server;
    const { cli } = startRun(s, [{ name: 'regcred' }], { args: ['--no-leader-elect'] });
    await waitFor('initial sync', () => cli.logs.text().includes('initial sync done'));
    const before = writes(s).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(writes(s).length).toBe(before);
    expect(writes(s).filter((r) => r.verb === 'update')).toEqual([]);
    expect((s.store.get('secrets', 'a', 'regcred') as unknown as { type: string }).type).toBe('Opaque');
  });
});
