import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { type Agent, Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogCapture } from '../../test/fakes/log-capture.ts';
import { startE2eProxy } from '../../test/proxy/e2e-setup.ts';
import type { FakeCredentialSource } from '../../test/proxy/fake-credential-source.ts';
import {
  type FakeRegistry,
  type FakeRegistryOptions,
  startFakeRegistry,
} from '../../test/proxy/fake-registry.ts';
import { rawRequest } from '../../test/proxy/http-client.ts';
import { isRegcredError } from '../core/errors.ts';
import type { RunningProxy } from './proxy-server.ts';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const PASSWORD = 'pass-word-secret';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Setup {
  registry: FakeRegistry;
  proxy: RunningProxy;
  credentials: FakeCredentialSource;
  logs: LogCapture;
  manifestDigest: string;
}

async function setup(
  registryOptions: FakeRegistryOptions,
  proxyConfig: Record<string, unknown> = {},
  password = PASSWORD,
): Promise<Setup> {
  const registry = await startFakeRegistry({ password: PASSWORD, ...registryOptions });
  cleanups.push(() => registry.stop());
  const manifestDigest = registry.addManifest('team/app', 'v1', '{"schemaVersion":2}', MANIFEST_TYPE);
  const e2e = await startE2eProxy({
    host: registry.host,
    insecure: true,
    alias: 'fake',
    user: { username: 'user', password },
    extraConfig: proxyConfig,
  });
  cleanups.push(() => e2e.stop());
  return { registry, proxy: e2e.proxy, credentials: e2e.credentials, logs: e2e.logs, manifestDigest };
}

describe('proxy: routing and refusals', () => {
  const refusals: [string, string, number, string][] = [
    ['unknown alias', '/v2/other/app/manifests/v1', 404, 'NAME_UNKNOWN'],
    ['alias without repository', '/v2/fake/manifests/v1', 404, 'NAME_UNKNOWN'],
    ['unconfigured mirror registry', '/v2/app/manifests/v1?ns=evil.example.com', 403, 'DENIED'],
    ['unconfigured mirror ping', '/v2/?ns=evil.example.com', 403, 'DENIED'],
    ['dot-dot traversal', '/v2/fake/team/../../other/manifests/v1', 400, 'NAME_INVALID'],
    ['encoded slash', '/v2/fake/team%2Fapp/manifests/v1', 400, 'NAME_INVALID'],
    ['encoded dot-dot', '/v2/fake/%2e%2e/app/manifests/v1', 400, 'NAME_INVALID'],
    ['header injection through ns', '/v2/app/manifests/v1?ns=a.com%0d%0aX-Evil:%201', 400, 'NAME_INVALID'],
    [
      'absolute-form target to another host',
      'http://169.254.169.254/v2/fake/a/manifests/v1',
      400,
      'NAME_INVALID',
    ],
    ['push', '/v2/fake/team/app/blobs/uploads/', 405, 'UNSUPPORTED'],
  ];
  it.each(refusals)(
    'refuses %s with an OCI error and never calls upstream',
    async (_name, path, status, code) => {
      const { registry, proxy } = await setup({ auth: 'basic' });
      const method = path.includes('uploads') ? 'POST' : 'GET';
      const res = await rawRequest(proxy.url, path, { method });
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body.toString())).toMatchObject({ errors: [{ code }] });
      expect(registry.requests).toHaveLength(0);
    },
  );

  it('answers the ping itself, and routes mirror mode by ?ns=', async () => {
    const { registry, proxy, manifestDigest } = await setup({ auth: 'basic' });
    const ping = await rawRequest(proxy.url, '/v2/');
    expect(ping.status).toBe(200);
    expect(ping.headers['docker-distribution-api-version']).toBe('registry/2.0');
    const res = await rawRequest(proxy.url, `/v2/team/app/manifests/v1?ns=${registry.host}`);
    expect(res.status).toBe(200);
    expect(res.headers['docker-content-digest']).toBe(manifestDigest);
  });

  it('refuses clients outside proxy.allowedClients', async () => {
    const { proxy, registry } = await setup({ auth: 'basic' }, { allowedClients: ['10.0.0.0/8'] });
    const res = await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1');
    expect(res.status).toBe(403);
    expect(registry.requests).toHaveLength(0);
  });

  it('will not listen on a non-loopback address without an allow-list', async () => {
    const error = await setup({ auth: 'basic' }, { listen: '0.0.0.0:0' }).catch((e: unknown) => e);
    expect(isRegcredError(error, 'ERR_CONFIG_INVALID')).toBe(true);
  });
});

describe('proxy: upstream auth', () => {
  it('Basic: learns the challenge once, injects credentials, never forwards the client Authorization', async () => {
    const { registry, proxy, manifestDigest, logs } = await setup({ auth: 'basic' });
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1', {
        headers: { authorization: 'Bearer client-own-secret', accept: MANIFEST_TYPE },
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(MANIFEST_TYPE);
      expect(res.headers['docker-content-digest']).toBe(manifestDigest);
      expect(res.headers.etag).toBe(`"${manifestDigest}"`);
      expect(res.body.toString()).toBe('{"schemaVersion":2}');
    }
    // One unauthenticated probe, then credentials on every request.
    expect(registry.requests.map((r) => r.headers.authorization?.split(' ')[0] ?? 'none')).toEqual([
      'none',
      'Basic',
      'Basic',
      'Basic',
    ]);
    expect(registry.requests.every((r) => r.headers.authorization !== 'Bearer client-own-secret')).toBe(true);
    expect(registry.requests[1]?.headers.accept).toBe(MANIFEST_TYPE);
    logs.assertNoSecrets([PASSWORD, 'client-own-secret']);
  });

  it('Bearer: one token per scope, coalesced across concurrent requests, fetched with Basic credentials', async () => {
    const { registry, proxy, logs } = await setup({ auth: 'bearer', tokenExpiresIn: 300 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1')),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1')).status).toBe(200);
    expect(registry.tokenRequests).toHaveLength(1);
    const tokenUrl = new URL(registry.tokenRequests[0]?.url ?? '', 'http://x');
    expect(tokenUrl.searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(tokenUrl.searchParams.get('service')).toBe('fake-registry');
    expect(registry.tokenRequests[0]?.headers.authorization).toMatch(/^Basic /);
    const metrics = await fetch(`${proxy.metricsUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/regcred_proxy_token_fetches_total\{registry="127\.0\.0\.1:\d+",result="ok"\} 1/);
    expect(metrics).toMatch(/regcred_proxy_token_cache_hits_total\{registry="127\.0\.0\.1:\d+"\} [1-9]/);
    expect(metrics).toMatch(/regcred_proxy_requests_total\{route="manifests",method="GET",status="200"\} 6/);
    logs.assertNoSecrets([PASSWORD, ...tokensOf(registry)]);
  });

  it('/readyz fails while an upstream identity has failed and holds no valid credential', async () => {
    const { proxy, credentials } = await setup({ auth: 'basic' });
    const readyz = () => fetch(`${proxy.metricsUrl}/readyz`).then(async (r) => [r.status, await r.text()]);
    expect(await readyz()).toEqual([200, 'serving']);
    const failing = {
      registry: 'ecr',
      key: 'ecr|123',
      expiresAt: null,
      fetchedAt: null,
      refreshAt: null,
      consecutiveFailures: 3,
      lastError: { code: 'ERR_CREDENTIAL_AUTH', message: 'denied' },
      nextAttemptAt: 0,
    };
    credentials.statuses = [failing];
    expect(await readyz()).toEqual([503, 'credentials failing: ecr: ERR_CREDENTIAL_AUTH']);
    // A failing refresh while the last good credential is still valid keeps the proxy ready.
    credentials.statuses = [
      { ...failing, fetchedAt: Date.now(), expiresAt: new Date(Date.now() + 3_600_000) },
    ];
    expect((await readyz())[0]).toBe(200);
  });

  it('Bearer: a 401 on a cached token refreshes it once and retries', async () => {
    const { registry, proxy } = await setup({ auth: 'bearer', tokenExpiresIn: 300 });
    expect((await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1')).status).toBe(200);
    registry.revokeTokens();
    expect((await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1')).status).toBe(200);
    expect(registry.tokenRequests).toHaveLength(2);
  });

  it('Bearer: a token endpoint that refuses the credentials becomes a 502 naming the registry, no secret logged', async () => {
    const { registry, proxy, logs } = await setup({ auth: 'bearer' }, {}, 'wrong-password-2');
    const res = await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1');
    expect(res.status).toBe(502);
    const message = JSON.parse(res.body.toString()).errors[0].message as string;
    expect(message).toContain(registry.host);
    expect(message).toContain('ERR_CREDENTIAL_AUTH');
    expect(registry.tokenRequests).toHaveLength(1);
    logs.assertNoSecrets(['wrong-password-2', Buffer.from('user:wrong-password-2').toString('base64')]);
  });

  it('a registry that keeps refusing gets one refresh, then the client sees UNAUTHORIZED without a challenge', async () => {
    const { registry, proxy, credentials, logs } = await setup({ auth: 'basic' }, {}, 'wrong-password-1');
    const res = await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(res.body.toString())).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
    expect(registry.requests).toHaveLength(3);
    expect(credentials.calls.map((c) => c.forceRefresh)).toEqual([false, true]);
    logs.assertNoSecrets(['wrong-password-1']);
  });
});

describe('proxy: pass-through and streaming', () => {
  it('HEAD goes upstream as HEAD with the blob headers and no body', async () => {
    const { registry, proxy } = await setup({ auth: 'basic' });
    const blob = registry.addBlob('team/app', 300_000);
    const res = await rawRequest(proxy.url, `/v2/fake/team/app/blobs/${blob.digest}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('300000');
    expect(res.headers['docker-content-digest']).toBe(blob.digest);
    expect(res.body).toHaveLength(0);
    expect(registry.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('HEAD requests reuse the upstream connection (containerd resolves every pull with one)', async () => {
    const { registry, proxy, manifestDigest } = await setup({ auth: 'basic' });
    for (let i = 0; i < 10; i++) {
      const res = await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1', {
        method: 'HEAD',
        headers: { accept: MANIFEST_TYPE },
      });
      expect(res.status).toBe(200);
      expect(res.headers['docker-content-digest']).toBe(manifestDigest);
    }
    // The first HEAD learns the Basic challenge (401, then a retry): 11 upstream HEADs. undici by default
    // closes the connection after each HEAD (11 connections); the proxy keeps it. undici 8 still drops the
    // very first connection of a pool after its first HEAD, hence at most two.
    expect(registry.requests.map((r) => r.method)).toEqual(Array(11).fill('HEAD'));
    expect(registry.connections).toBeLessThanOrEqual(2);
  });

  it('streams a blob whole and a Range of it', async () => {
    const { registry, proxy } = await setup({ auth: 'basic' });
    const blob = registry.addBlob('team/app', 5_000_000);
    const whole = await rawRequest(proxy.url, `/v2/fake/team/app/blobs/${blob.digest}`);
    expect(whole.status).toBe(200);
    expect(`sha256:${createHash('sha256').update(whole.body).digest('hex')}`).toBe(blob.digest);
    const part = await rawRequest(proxy.url, `/v2/fake/team/app/blobs/${blob.digest}`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 100-199/5000000');
    expect(part.headers['accept-ranges']).toBe('bytes');
    expect(part.body.equals(whole.body.subarray(100, 200))).toBe(true);
  });

  it('tags/list rewrites the pagination Link into the alias name space', async () => {
    const { proxy } = await setup({ auth: 'basic' });
    const res = await rawRequest(proxy.url, '/v2/fake/team/app/tags/list?n=1');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ name: 'team/app', tags: ['v1'] });
    expect(res.headers.link).toBe('</v2/fake/team/app/tags/list?n=1&last=a>; rel="next"');
  });

  const faults: [string, number, Record<string, string>][] = [
    ['404', 404, {}],
    ['429 with Retry-After', 429, { 'retry-after': '17' }],
    ['500', 500, {}],
  ];
  it.each(faults)('passes an upstream %s through with its OCI body', async (_name, status, headers) => {
    const { registry, proxy } = await setup({ auth: 'none' });
    registry.failNext({ status, headers: { 'content-type': 'application/json', ...headers } });
    const res = await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1');
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body.toString())).toMatchObject({ errors: [{ code: 'UNKNOWN' }] });
    for (const [name, value] of Object.entries(headers)) expect(res.headers[name]).toBe(value);
  });

  it('an upstream that closes mid-blob leaves the client with a short body, not a complete one', async () => {
    const { registry, proxy } = await setup({ auth: 'none' });
    const blob = registry.addBlob('team/app', 2_000_000);
    registry.cutNextBlobAfter(500_000);
    const res = await rawRequest(proxy.url, `/v2/fake/team/app/blobs/${blob.digest}`);
    expect(res.error).toBeDefined();
    expect(res.body.length).toBeLessThan(blob.size);
    // The proxy keeps serving.
    expect((await rawRequest(proxy.url, `/v2/fake/team/app/blobs/${blob.digest}`)).body).toHaveLength(
      blob.size,
    );
  });

  it('a client that goes away aborts the upstream request', async () => {
    const { registry, proxy } = await setup({ auth: 'none' });
    const blob = registry.addBlob('team/app', 64 * 1024 * 1024);
    const url = new URL(proxy.url);
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: `/v2/fake/team/app/blobs/${blob.digest}`, agent: false },
        (res) => {
          res.once('data', () => {
            // Read one chunk, then stop reading and hang up.
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.once('error', reject);
      req.end();
    });
    await registry.waitForAborts(1);
    expect(registry.abortedResponses).toBe(1);
  });

  it('a client that stops reading stops the upstream read (backpressure, no buffering of the blob)', async () => {
    const { registry, proxy } = await setup({ auth: 'none' });
    const blob = registry.addBlob('team/app', 128 * 1024 * 1024);
    const url = new URL(proxy.url);
    const [received, sentWhilePaused] = await new Promise<[number, number]>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: `/v2/fake/team/app/blobs/${blob.digest}`, agent: false },
        (res) => {
          let got = 0;
          res.once('data', (first: Buffer) => {
            got += first.length;
            res.pause();
            // Wait until upstream stops sending (every buffer on the way is full), however slow the machine.
            void settled(() => registry.blobBytesSent).then((sent) => {
              res.on('data', (chunk: Buffer) => {
                got += chunk.length;
              });
              res.on('end', () => resolve([got, sent]));
              res.resume();
            });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    // Socket buffers on both sides plus one response buffer, far from the 128 MiB blob.
    expect(sentWhilePaused).toBeGreaterThan(0);
    expect(sentWhilePaused).toBeLessThan(32 * 1024 * 1024);
    expect(received).toBe(blob.size);
  });

  it('forwards referrers with a validated artifactType', async () => {
    const { registry, proxy } = await setup({ auth: 'none' });
    const digest = `sha256:${'e'.repeat(64)}`;
    const res = await rawRequest(
      proxy.url,
      `/v2/fake/team/app/referrers/${digest}?artifactType=application%2Fvnd.example.sbom%2Bjson`,
    );
    expect(res.status).toBe(404);
    expect(registry.requests.at(-1)?.url).toBe(
      `/v2/team/app/referrers/${digest}?artifactType=application%2Fvnd.example.sbom%2Bjson`,
    );
  });

  it('dead upstream: 502 with an OCI error naming the registry', async () => {
    const { registry, proxy, logs } = await setup({ auth: 'none' });
    await registry.stop();
    const res = await rawRequest(proxy.url, '/v2/fake/team/app/manifests/v1');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString()).errors[0].message).toContain(registry.host);
    expect(logs.text()).toContain('proxy request failed');
  });
});

/** Holds each dispatch for `delayMs` before handing it to `agent`: a request queued behind a busy pool. */
class QueueingDispatcher extends Dispatcher {
  readonly #agent: Agent;
  readonly #delayMs: number;
  constructor(agent: Agent, delayMs: number) {
    super();
    this.#agent = agent;
    this.#delayMs = delayMs;
  }
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    setTimeout(() => this.#agent.dispatch(options, handler), this.#delayMs);
    return true;
  }
  override close(): Promise<void> {
    return this.#agent.close();
  }
  override destroy(): Promise<void> {
    return this.#agent.destroy();
  }
}

describe('proxy: a client gone before its upstream request started', () => {
  it('aborts the upstream request when it starts instead of leaving it paused forever', async () => {
    const registry = await startFakeRegistry({ auth: 'none' });
    cleanups.push(() => registry.stop());
    const blob = registry.addBlob('team/app', 4_000_000);
    const {
      proxy,
      dispatcher: agent,
      stop,
    } = await startE2eProxy({
      host: registry.host,
      insecure: true,
      alias: 'fake',
      user: { username: 'user', password: PASSWORD },
      wrapDispatcher: (agent) => new QueueingDispatcher(agent, 150),
    });
    cleanups.push(stop);
    const url = new URL(proxy.url);
    // The client hangs up while its request waits in the queue.
    await new Promise<void>((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: `/v2/fake/team/app/blobs/${blob.digest}`,
        agent: false,
      });
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.end();
      setTimeout(() => req.destroy(), 30);
    });
    // Once the queued request reaches the registry it is aborted at once: nothing stays running.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await settled(() => agent.stats[registry.url]?.running ?? 0)).toBe(0);
    expect(registry.blobBytesSent).toBeLessThan(blob.size);
  });
});

/** Polls `read` until it stops changing for three polls in a row; returns the settled value. */
async function settled(read: () => number): Promise<number> {
  let last = -1;
  let same = 0;
  while (same < 3) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

function tokensOf(registry: FakeRegistry): string[] {
  return registry.requests
    .map((r) => r.headers.authorization)
    .filter((a): a is string => a?.startsWith('Bearer ') === true)
    .map((a) => a.slice(7));
}
