import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registerSyncCommand } from '../../src/cli/commands/sync.ts';
import { isRegcredError } from '../../src/core/errors.ts';
import { decodeDockerConfig, encodeDockerConfig } from '../../src/sync/docker-config.ts';
import { FakeClock } from '../fakes/clock.ts';
import { type FakeKubeApiServer, startFakeKubeApiServer } from '../fakes/kube-api-server/index.ts';
import { baseConfig, createTestCli, namespaceObject, writes } from './harness.ts';

let server: FakeKubeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const target = (extra: Record<string, unknown> = {}) => ({
  name: 'regcred',
  serviceAccounts: ['default'],
  ...extra,
});

async function start(namespaces: string[], extraObjects: Record<string, unknown>[] = []) {
  server = await startFakeKubeApiServer({
    objects: [...namespaces.map((n) => namespaceObject(n)), ...(extraObjects as never[])],
  });
  return server;
}

interface StoredEvent {
  metadata: { namespace: string };
  reason: string;
  type: string;
  message: string;
  involvedObject: Record<string, string>;
}

const eventSummary = (e: StoredEvent) => ({
  namespace: e.metadata.namespace,
  reason: e.reason,
  type: e.type,
  involvedObject: e.involvedObject,
});

function auths(s: FakeKubeApiServer, ns: string, name = 'regcred') {
  const secret = s.store.get('secrets', ns, name) as { data?: Record<string, string> } | undefined;
  return decodeDockerConfig(secret?.data?.['.dockerconfigjson'])?.auths;
}

describe('regcred sync', () => {
  it('first sync writes every selected namespace; a second sync writes nothing', async () => {
    const s = await start(['team-a', 'team-b', 'kube-system']);
    const cli = createTestCli({ server: s, config: baseConfig([target()]), register: registerSyncCommand });
    await cli.run(['sync']);
    expect(cli.stderr()).toContain('sync finished');
    expect(cli.exitCode()).toBe(0);
    expect(Object.keys(auths(s, 'team-a') ?? {}).sort()).toEqual([
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'eu.gcr.io',
      'europe-docker.pkg.dev',
      'https://index.docker.io/v1/',
    ]);
    expect(auths(s, 'kube-system')).toBeUndefined();
    const sa = s.store.get('serviceaccounts', 'team-a', 'default') as {
      imagePullSecrets?: { name: string }[];
    };
    expect(sa.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(writes(s).filter((r) => r.verb === 'create')).toHaveLength(2);
    // One cloud call per identity, whatever the number of namespaces and hosts.
    expect(Object.fromEntries(cli.credentials.fetches)).toEqual({ ecr: 1, gar: 1, hub: 1 });

    s.resetRequests();
    const again = createTestCli({ server: s, config: baseConfig([target()]), register: registerSyncCommand });
    await again.run(['sync']);
    expect(again.exitCode()).toBe(0);
    expect(writes(s)).toEqual([]);
    expect(writes(s, 'serviceaccounts')).toEqual([]);
    cli.logs.assertNoSecrets(cli.credentials.issued);
    again.logs.assertNoSecrets(again.credentials.issued);
  });

  it('a CronJob run before the refresh point writes nothing; after it, each Secret exactly once', async () => {
    const s = await start(['a', 'b', 'c']);
    const clock = new FakeClock(Date.now());
    const config = baseConfig([target()]);
    const cli = createTestCli({ server: s, config, register: registerSyncCommand, clock });
    await cli.run(['sync']);
    s.resetRequests();
    await clock.advance(10 * 60_000);
    await createTestCli({ server: s, config, register: registerSyncCommand, clock }).run(['sync']);
    expect(writes(s)).toEqual([]);
    // Past half of the 1 h Google token's life: rotation, one write per Secret carrying every change.
    await clock.advance(30 * 60_000);
    cli.credentials.rotate('ecr');
    const next = createTestCli({
      server: s,
      config,
      register: registerSyncCommand,
      clock,
      credentials: cli.credentials,
    });
    await next.run(['sync']);
    const updates = writes(s);
    expect(updates.map((r) => `${r.verb} ${r.namespace}`).sort()).toEqual([
      'update a',
      'update b',
      'update c',
    ]);
    expect(auths(s, 'b')?.['europe-docker.pkg.dev']?.password).toBe(cli.credentials.password('gar'));
  });

  it('leaves a foreign Secret alone, reports it, and keeps exit 0', async () => {
    const foreign = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 'regcred', namespace: 'mine' },
      data: { '.dockerconfigjson': encodeDockerConfig({ auths: { 'quay.io': { auth: 'dXNlcjpwYXNz' } } }) },
    };
    const s = await start(['mine', 'other'], [foreign]);
    const cli = createTestCli({
      server: s,
      config: baseConfig([target({ serviceAccounts: [] })]),
      register: registerSyncCommand,
    });
    await cli.run(['sync']);
    expect(cli.exitCode()).toBe(0);
    expect(Object.keys(auths(s, 'mine') ?? {})).toEqual(['quay.io']);
    const events = s.store.list('events', 'mine') as unknown as { reason: string; message: string }[];
    expect(events.map((e) => e.reason)).toContain('SecretNotManaged');
    expect(cli.logs.text()).toContain('SecretNotManaged');
    for (const event of events)
      for (const secret of cli.credentials.issued) expect(event.message).not.toContain(secret);
  });

  it('adopt: true takes a foreign Secret over and keeps the user entries', async () => {
    const foreign = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 'regcred', namespace: 'mine' },
      data: { '.dockerconfigjson': encodeDockerConfig({ auths: { 'quay.io': { auth: 'dXNlcjpwYXNz' } } }) },
    };
    const s = await start(['mine'], [foreign]);
    const cli = createTestCli({
      server: s,
      config: baseConfig([target({ adopt: true })]),
      register: registerSyncCommand,
    });
    await cli.run(['sync']);
    expect(cli.exitCode()).toBe(0);
    expect(Object.keys(auths(s, 'mine') ?? {})).toContain('quay.io');
    expect(Object.keys(auths(s, 'mine') ?? {})).toContain('https://index.docker.io/v1/');
  });

  it('prune removes only what regcred wrote when a namespace leaves the selection', async () => {
    const s = await start(['keep', 'drop']);
    s.store.put({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: 'drop' },
      imagePullSecrets: [{ name: 'theirs' }],
    } as never);
    const first = createTestCli({
      server: s,
      config: baseConfig([target({ prune: true })]),
      register: registerSyncCommand,
    });
    await first.run(['sync']);
    expect(auths(s, 'drop')).toBeDefined();
    const second = createTestCli({
      server: s,
      config: baseConfig([target({ prune: true, namespaces: { include: ['*'], exclude: ['drop'] } })]),
      register: registerSyncCommand,
    });
    await second.run(['sync']);
    expect(second.exitCode()).toBe(0);
    expect(s.store.get('secrets', 'drop', 'regcred')).toBeUndefined();
    expect(s.store.get('secrets', 'keep', 'regcred')).toBeDefined();
    const sa = s.store.get('serviceaccounts', 'drop', 'default') as { imagePullSecrets?: { name: string }[] };
    expect(sa.imagePullSecrets).toEqual([{ name: 'theirs' }]);
  });

  it('--namespace limits the pass and never prunes the namespaces it skips', async () => {
    const s = await start(['a', 'b']);
    const config = baseConfig([target({ prune: true, serviceAccounts: [] })]);
    await createTestCli({ server: s, config, register: registerSyncCommand }).run(['sync']);
    s.resetRequests();
    const cli = createTestCli({ server: s, config, register: registerSyncCommand });
    await cli.run(['sync', '--namespace', 'a']);
    expect(cli.exitCode()).toBe(0);
    expect(s.store.get('secrets', 'b', 'regcred')).toBeDefined();
    expect(writes(s)).toEqual([]);
  });

  const faults: {
    name: string;
    status: 403 | 409 | 422 | 429 | 500;
    times?: number;
    exit: number;
    written: boolean;
  }[] = [
    { name: '403 in one namespace fails only that namespace', status: 403, exit: 1, written: false },
    { name: 'webhook 422 fails only that namespace', status: 422, exit: 1, written: false },
    { name: '409 once is re-read and retried', status: 409, times: 1, exit: 0, written: true },
    { name: '500 twice is retried', status: 500, times: 2, exit: 0, written: true },
    { name: '429 with Retry-After is retried', status: 429, times: 1, exit: 0, written: true },
  ];
  it.each(faults)('$name', async ({ status, times, exit, written }) => {
    // `default` exists in every real cluster: Events about Namespaces live there.
    const s = await start(['ok', 'bad', 'default']);
    s.faults.add({
      verb: 'create',
      resource: 'secrets',
      namespace: 'bad',
      status,
      retryAfterSeconds: 0,
      ...(times ? { times } : {}),
    });
    const cli = createTestCli({
      server: s,
      config: baseConfig([target({ serviceAccounts: [] })]),
      register: registerSyncCommand,
    });
    await cli.run(['sync']);
    expect(cli.exitCode()).toBe(exit);
    expect(s.store.get('secrets', 'ok', 'regcred')).toBeDefined();
    expect(s.store.get('secrets', 'bad', 'regcred') !== undefined).toBe(written);
    if (exit === 1) {
      expect(cli.stderr()).toContain('failed in namespace bad');
      // The Secret could not be created: the Event is about the (cluster-scoped) Namespace, in `default`.
      // Stored means the fake accepted it under the real legacyValidateEvent rules.
      const events = s.store.list('events', 'default') as unknown as StoredEvent[];
      expect(events.map(eventSummary)).toEqual([
        {
          namespace: 'default',
          reason: 'SecretWriteFailed',
          type: 'Warning',
          involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: 'bad' },
        },
      ]);
      expect(events[0]?.message).toContain(`HTTP ${status}`);
      expect(s.store.list('events', 'bad')).toEqual([]);
      for (const event of events)
        for (const secret of cli.credentials.issued) expect(event.message).not.toContain(secret);
      expect(cli.logs.lines().filter((l) => String(l.msg).includes('not recorded'))).toEqual([]);
    }
    cli.logs.assertNoSecrets(cli.credentials.issued);
  });

  it('a failed update is reported on the Secret itself, in its namespace', async () => {
    const s = await start(['bad']);
    const cli = createTestCli({
      server: s,
      config: baseConfig([target({ serviceAccounts: [] })]),
      register: registerSyncCommand,
    });
    await cli.run(['sync']);
    expect(cli.exitCode()).toBe(0);
    const written = s.store.get('secrets', 'bad', 'regcred') as { metadata: { uid: string } };
    // Force a rewrite (a registry entry is missing) and refuse it.
    const rotated = createTestCli({
      server: s,
      config: baseConfig([target({ serviceAccounts: [] })]),
      register: registerSyncCommand,
    });
    const secret = s.store.get('secrets', 'bad', 'regcred') as unknown as { data: Record<string, string> };
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'] ?? '', 'base64').toString());
    delete config.auths['eu.gcr.io'];
    s.store.put({
      ...secret,
      data: { '.dockerconfigjson': encodeDockerConfig(config) },
    } as never);
    s.faults.add({ verb: 'update', resource: 'secrets', namespace: 'bad', status: 403 });
    await rotated.run(['sync']);
    expect(rotated.exitCode()).toBe(1);
    const events = s.store.list('events', 'bad') as unknown as StoredEvent[];
    expect(events.map(eventSummary)).toEqual([
      {
        namespace: 'bad',
        reason: 'SecretWriteFailed',
        type: 'Warning',
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: 'bad',
          name: 'regcred',
          uid: written.metadata.uid,
        },
      },
    ]);
    for (const event of events)
      for (const issued of [...cli.credentials.issued, ...rotated.credentials.issued])
        expect(event.message).not.toContain(issued);
    rotated.logs.assertNoSecrets([...cli.credentials.issued, ...rotated.credentials.issued]);
  });

  it('a failing registry exits 1 and writes the others', async () => {
    const s = await start(['a']);
    const cli = createTestCli({
      server: s,
      config: baseConfig([target({ serviceAccounts: [] })]),
      register: registerSyncCommand,
    });
    cli.credentials.fail('gar');
    await cli.run(['sync']);
    expect(cli.exitCode()).toBe(1);
    expect(cli.stderr()).toContain('registry gar');
    expect(Object.keys(auths(s, 'a') ?? {})).toContain('https://index.docker.io/v1/');
  });

  it('config errors are thrown as ConfigError (exit 2 by the caller)', async () => {
    const cli = createTestCli({
      config: baseConfig([target({ registries: ['nope.example.com'] })]),
      register: registerSyncCommand,
    });
    let thrown: unknown;
    try {
      await cli.run(['sync']);
    } catch (error) {
      thrown = error;
    }
    expect(isRegcredError(thrown, 'ERR_CONFIG_INVALID')).toBe(true);
  });

  it('stops starting namespaces on SIGTERM and exits 1', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `ns-${i}`);
    server = await startFakeKubeApiServer({
      objects: names.map((n) => namespaceObject(n)) as never[],
      latencyMs: 5,
    });
    const cli = createTestCli({
      server,
      config: baseConfig([target({ serviceAccounts: [] })], { concurrency: 2 }),
      register: registerSyncCommand,
    });
    const s = server;
    const running = cli.run(['sync']);
    while (writes(s).length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    cli.terminate();
    await running;
    expect(cli.exitCode()).toBe(1);
    const written = writes(s).length;
    expect(written).toBeLessThan(names.length);
    // Every write that started finished: nothing half-done.
    expect(s.requests.filter((r) => r.verb === 'create').every((r) => r.status === 201)).toBe(true);
  });
});

describe('regcred sync --dry-run', () => {
  it('renders offline for --namespace, valid against the Kubernetes schemas', async () => {
    const cli = createTestCli({ config: baseConfig([target()]), register: registerSyncCommand });
    await cli.run(['sync', '--dry-run', '--namespace', 'team-a', '--namespace', 'team-b']);
    const docs = parseAllDocuments(cli.stdout())
      .map((d) => d.toJS() as Record<string, unknown>)
      .filter((d) => d !== null);
    expect(docs).toHaveLength(2);
    const { Secret } = await import('kubernetes-models/v1');
    for (const doc of docs) {
      const secret = new Secret(doc as never);
      secret.validate();
      expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    }
    expect(cli.stdout()).toContain('kubectl -n team-a patch serviceaccount default');
    cli.logs.assertNoSecrets(cli.credentials.issued);
  });

  it('renders JSON as a v1 List and writes nothing to a live cluster', async () => {
    const s = await start(['a']);
    const cli = createTestCli({ server: s, config: baseConfig([target()]), register: registerSyncCommand });
    await cli.run(['sync', '--dry-run', '-o', 'json']);
    const list = JSON.parse(cli.stdout()) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.kind).sort()).toEqual(['Secret', 'ServiceAccount']);
    const { ServiceAccount } = await import('kubernetes-models/v1');
    new ServiceAccount(list.items.find((i) => i.kind === 'ServiceAccount') as never).validate();
    expect(writes(s)).toEqual([]);
    expect(writes(s, 'serviceaccounts')).toEqual([]);
  });
});
