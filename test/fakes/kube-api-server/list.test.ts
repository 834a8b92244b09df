import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';
import { apiFailure, clientsFor, dockerSecret, namespace } from './test-helpers.ts';
import type { KubeObject } from './types.ts';

let server: FakeKubeApiServer;
let core: ReturnType<typeof clientsFor>['core'];

const secret = (ns: string, name: string, labels: Record<string, string>, type = 'Opaque'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type,
  metadata: { name, namespace: ns, labels },
});

beforeAll(async () => {
  server = await startFakeKubeApiServer({
    defaultServiceAccounts: false,
    objects: [
      namespace('a', { team: 'payments', env: 'prod' }),
      namespace('b', { team: 'search', env: 'dev' }),
      namespace('c', { env: 'prod' }),
      secret('a', 's1', { app: 'x', tier: 'web' }),
      secret('a', 's2', { app: 'y' }),
      secret('b', 's3', { app: 'x' }),
      dockerSecret('c', 'regcred'),
    ],
  });
  core = clientsFor(server).core;
});
afterAll(async () => {
  await server.close();
});

describe('label selectors', () => {
  const cases = [
    { selector: 'team=payments', names: ['a'] },
    { selector: 'team==payments', names: ['a'] },
    { selector: 'team!=payments', names: ['b', 'c'] },
    { selector: 'env in (prod, dev)', names: ['a', 'b', 'c'] },
    { selector: 'team notin (payments)', names: ['b', 'c'] },
    { selector: 'team', names: ['a', 'b'] },
    { selector: '!team', names: ['c'] },
    { selector: 'env=prod,team', names: ['a'] },
    { selector: 'kubernetes.io/metadata.name=b', names: ['b'] },
  ];
  it.each(cases)('namespaces with "$selector"', async ({ selector, names }) => {
    const list = await core.listNamespace({ labelSelector: selector });
    expect(list.items.map((n) => n.metadata?.name)).toEqual(names);
  });

  it('answers 400 for a malformed selector', async () => {
    const failure = await apiFailure(core.listNamespace({ labelSelector: 'a in (' }));
    expect(failure).toMatchObject({ code: 400, reason: 'BadRequest' });
  });
});

describe('field selectors', () => {
  const cases = [
    { selector: 'metadata.name=s1', names: ['a/s1'] },
    { selector: 'metadata.namespace=b', names: ['b/s3'] },
    { selector: 'metadata.namespace!=a', names: ['b/s3', 'c/regcred'] },
    { selector: 'type=kubernetes.io/dockerconfigjson', names: ['c/regcred'] },
  ];
  it.each(cases)('secrets in all namespaces with "$selector"', async ({ selector, names }) => {
    const list = await core.listSecretForAllNamespaces({ fieldSelector: selector });
    expect(list.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).toEqual(names);
    expect(server.requests.at(-1)?.path).toBe('/api/v1/secrets');
  });

  it('answers 400 for an unsupported field', async () => {
    const failure = await apiFailure(
      core.listNamespacedSecret({ namespace: 'a', fieldSelector: 'data.x=1' }),
    );
    expect(failure).toMatchObject({ code: 400, reason: 'BadRequest' });
  });
});

describe('lists', () => {
  it('carry the list resourceVersion and kind, and items without apiVersion/kind (like the real server)', async () => {
    const list = await core.listNamespacedSecret({ namespace: 'a', labelSelector: 'app=x' });
    expect(list.metadata?.resourceVersion).toBe(server.store.resourceVersion);
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['s1']);
    expect(list.items[0]?.kind).toBeUndefined();
  });

  it('paginate with limit and continue', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listSecretForAllNamespaces({ limit: 2, _continue: token });
      seen.push(...page.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`));
      token = page.metadata?._continue;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual(['a/s1', 'a/s2', 'b/s3', 'c/regcred']);
  });

  it('report remainingItemCount on a page without selectors', async () => {
    const page = await core.listSecretForAllNamespaces({ limit: 1 });
    expect(page.metadata?.remainingItemCount).toBe(3);
  });
});

it('answers 410 Expired for a continue token older than compact()', async () => {
  const local = await startFakeKubeApiServer({ objects: [namespace('x'), namespace('y')] });
  try {
    const { core: c } = clientsFor(local);
    const page = await c.listNamespace({ limit: 1 });
    local.store.put(namespace('z'));
    local.compact();
    const failure = await apiFailure(c.listNamespace({ limit: 1, _continue: page.metadata?._continue }));
    expect(failure).toMatchObject({ code: 410, reason: 'Expired' });
  } finally {
    await local.close();
  }
});
