import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, createConfiguration, KubeConfig, ServerConfiguration } from '@kubernetes/client-node';
import { Agent } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestCa } from '../tls/test-ca.ts';
import { type FakeKubeApiServer, startFakeKubeApiServer } from './index.ts';
import { clientsFor, namespace } from './test-helpers.ts';

let server: FakeKubeApiServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ca = createTestCa();
const cert = ca.issue(['127.0.0.1']);
const tls = { certPem: cert.certPem, keyPem: cert.keyPem, caPem: ca.caPem };

describe('https and tokens', () => {
  it('serves https with the CA in the kubeconfig', async () => {
    server = await startFakeKubeApiServer({ tls, objects: [namespace('a')] });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { core } = clientsFor(server);
    expect((await core.readNamespace({ name: 'a' })).metadata?.name).toBe('a');
  });

  it('answers 401 Unauthorized to a wrong token when a token is required', async () => {
    server = await startFakeKubeApiServer({ token: 'right', objects: [namespace('a')] });
    await clientsFor(server).core.readNamespace({ name: 'a' });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigYaml().replace('"right"', '"wrong"'));
    const failure = await kc
      .makeApiClient(CoreV1Api)
      .readNamespace({ name: 'a' })
      .then(
        () => undefined,
        (err: { code?: number }) => err.code,
      );
    expect(failure).toBe(401);
    expect(server.requests.map((r) => r.status)).toEqual([200, 401]);
  });

  it('works with loadFromCluster through writeServiceAccountFiles', async () => {
    server = await startFakeKubeApiServer({ tls, token: 'sa-token', objects: [namespace('regcred')] });
    const prefix = mkdtempSync(join(tmpdir(), 'kube-fake-sa-'));
    dirs.push(prefix);
    const env = server.writeServiceAccountFiles(prefix, 'regcred');
    vi.stubEnv('KUBERNETES_SERVICE_HOST', env.KUBERNETES_SERVICE_HOST);
    vi.stubEnv('KUBERNETES_SERVICE_PORT', env.KUBERNETES_SERVICE_PORT);
    const kc = new KubeConfig();
    kc.loadFromCluster(prefix);
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('regcred');
    const sa = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedServiceAccount({ namespace: 'regcred', name: 'default' });
    expect(sa.metadata?.name).toBe('default');
  });

  it('refuses writeServiceAccountFiles without tls', async () => {
    server = await startFakeKubeApiServer();
    expect(() => server!.writeServiceAccountFiles('/nonexistent', 'x')).toThrow(/tls/);
  });
});

describe('connections', () => {
  it('counts connections: client-node opens one per request; a shared dispatcher reuses one', async () => {
    server = await startFakeKubeApiServer({ objects: [namespace('a')] });
    const { kc, core } = clientsFor(server);
    for (let i = 0; i < 10; i++) await core.readNamespace({ name: 'a' });
    const perRequest = server.connections;
    expect(perRequest).toBe(10);

    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const shared = new CoreV1Api(
        createConfiguration({
          baseServer: new ServerConfiguration(server.url, {}),
          authMethods: { default: kc },
          promiseMiddleware: [
            {
              pre: async (ctx) => {
                ctx.setDispatcher(dispatcher);
                return ctx;
              },
              post: async (response) => response,
            },
          ],
        }),
      );
      for (let i = 0; i < 10; i++) await shared.readNamespace({ name: 'a' });
      // Usually 1; undici may open another socket while a response is still being released.
      expect(server.connections - perRequest).toBeLessThan(perRequest / 2);
    } finally {
      await dispatcher.close();
    }
  });
});
