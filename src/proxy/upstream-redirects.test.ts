import { afterEach, describe, expect, it } from 'vitest';
import { type RecordingServer, startRecordingServer } from '../../test/harness/registry/index.ts';
import { startE2eProxy } from '../../test/proxy/e2e-setup.ts';
import { rawRequest } from '../../test/proxy/http-client.ts';

// Blob redirects (S3, GCS, Azure Blob): followed without Authorization, https only, bounded; or passed.
const PASSWORD = 'pass-word-secret';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A proxy in front of `host` as alias `r`, metrics off; the redirect settings come from `config`. */
async function proxyFor(host: string, options: { insecure: boolean; caPem?: string }, config = {}) {
  const e2e = await startE2eProxy({
    host,
    alias: 'r',
    insecure: options.insecure,
    caPem: options.caPem,
    user: { username: 'user', password: PASSWORD },
    extraConfig: { metricsListen: '', ...config },
  });
  cleanups.push(() => e2e.stop());
  return e2e.proxy;
}

describe('proxy: redirects', () => {
  async function redirecting(mode: 'follow' | 'pass') {
    const storage: RecordingServer = await startRecordingServer({
      respond: { status: 200, body: 'blob-bytes' },
    });
    cleanups.push(() => storage.stop());
    // Another origin than the registry's (localhost vs 127.0.0.1), like S3 for ECR.
    const storageUrl = storage.url.replace('127.0.0.1', 'localhost');
    const registry: RecordingServer = await startRecordingServer({
      respond: (req) =>
        req.headers.authorization === undefined
          ? { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } }
          : { redirect: `${storageUrl}/bucket/blob?X-Amz-Signature=abc`, redirectStatus: 307 },
    });
    cleanups.push(() => registry.stop());
    const proxy = await proxyFor(registry.host, { insecure: true }, { redirects: mode });
    return { storage, registry, proxy, storageUrl };
  }
  const digest = `sha256:${'b'.repeat(64)}`;

  it('follows a redirect to another host without Authorization', async () => {
    const { storage, registry, proxy } = await redirecting('follow');
    const res = await rawRequest(proxy.url, `/v2/r/team/app/blobs/${digest}`, {
      headers: { range: 'bytes=0-3' },
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('blob-bytes');
    expect(registry.requests.at(-1)?.headers.authorization).toMatch(/^Basic /);
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0]?.headers.authorization).toBeUndefined();
    expect(storage.requests[0]?.url).toBe('/bucket/blob?X-Amz-Signature=abc');
    expect(storage.requests[0]?.headers.range).toBe('bytes=0-3');
  });

  it('refuses to follow a redirect from an https registry to plain http', async () => {
    const plain = await startRecordingServer({ respond: { status: 200, body: 'should-not-be-fetched' } });
    cleanups.push(() => plain.stop());
    const registry = await startRecordingServer({
      tls: true,
      respond: { redirect: `${plain.url}/bucket/blob`, redirectStatus: 307 },
    });
    cleanups.push(() => registry.stop());
    const proxy = await proxyFor(registry.host, { insecure: false, caPem: registry.caPem });
    const res = await rawRequest(proxy.url, `/v2/r/team/app/blobs/${digest}`);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString()).errors[0].message).toContain('non-https');
    expect(plain.requests).toHaveLength(0);
  });

  it('stops after maxRedirects hops', async () => {
    const loop: RecordingServer = await startRecordingServer({
      respond: (req) => ({ redirect: `${req.path}?hop=${req.url.length}`, redirectStatus: 302 }),
    });
    cleanups.push(() => loop.stop());
    const proxy = await proxyFor(loop.host, { insecure: true }, { maxRedirects: 3 });
    const res = await rawRequest(proxy.url, `/v2/r/team/app/blobs/${digest}`);
    expect(res.status).toBe(502);
    expect(loop.requests).toHaveLength(4);
  });

  it('redirects: pass hands the 3xx to the client', async () => {
    const { storage, proxy, storageUrl } = await redirecting('pass');
    const res = await rawRequest(proxy.url, `/v2/r/team/app/blobs/${digest}`);
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(`${storageUrl}/bucket/blob?X-Amz-Signature=abc`);
    expect(storage.requests).toHaveLength(0);
  });
});
