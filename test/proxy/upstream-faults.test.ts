import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildOciImage,
  type OciImage,
  pushImage,
  type RecordingServer,
  type RegistryHandle,
  startRecordingServer,
  startRegistry,
} from '../harness/registry/index.ts';
import { type E2eProxy, startE2eProxy } from './e2e-setup.ts';
import { rawRequest } from './http-client.ts';

// A real registry behind a recording server that can inject faults; the proxy talks to the recorder.
let upstream: RegistryHandle;
let recorder: RecordingServer;
let image: OciImage;
let e2e: E2eProxy;
let layer: { digest: string; size: number };
const MANIFEST = () => `/v2/up/team/app/manifests/1`;

beforeAll(async () => {
  [upstream, image] = await Promise.all([
    startRegistry({ auth: 'htpasswd' }),
    buildOciImage({ layers: [{ sizeBytes: 24 * 1024 * 1024, seed: 'proxy-faults' }, { files: { a: 'b' } }] }),
  ]);
  await pushImage(image, upstream, 'team/app:1');
  recorder = await startRecordingServer({ forwardTo: upstream.url });
  e2e = await startE2eProxy({ host: recorder.host, insecure: true, user: upstream.users[0]! });
  layer = image.blobs.reduce((a, b) => (b.size > a.size ? b : a));
}, 120_000);
afterAll(async () => {
  await e2e?.stop();
  await recorder?.stop();
  await upstream?.stop();
});
beforeEach(() => {
  recorder.respondWith({});
  recorder.clear();
});

const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };

describe('upstream faults reach the client as OCI answers', () => {
  const faults: [string, number, Record<string, string>, string][] = [
    ['429 with Retry-After', 429, { 'retry-after': '7' }, 'TOOMANYREQUESTS'],
    ['500', 500, {}, 'UNKNOWN'],
    ['404', 404, {}, 'MANIFEST_UNKNOWN'],
  ];
  it.each(faults)('%s is passed through with its headers and body', async (_name, status, headers, code) => {
    recorder.respondWith((req) =>
      req.path.includes('/manifests/')
        ? {
            status,
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify({ errors: [{ code, message: 'injected' }] }),
          }
        : undefined,
    );
    const res = await rawRequest(e2e.proxy.url, MANIFEST(), { headers: accept });
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body.toString())).toEqual({ errors: [{ code, message: 'injected' }] });
    for (const [name, value] of Object.entries(headers)) expect(res.headers[name]).toBe(value);
  });

  it('401 from the registry for the injected credentials: one refresh, then UNAUTHORIZED', async () => {
    recorder.respondWith((req) =>
      req.path.includes('/manifests/')
        ? { status: 401, headers: { 'www-authenticate': 'Basic realm="basic-realm"' }, body: '{}' }
        : undefined,
    );
    const callsBefore = e2e.credentials.calls.length;
    const res = await rawRequest(e2e.proxy.url, MANIFEST(), { headers: accept });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(e2e.credentials.calls.slice(callsBefore).some((c) => c.forceRefresh)).toBe(true);
  });

  it('a registry closing the connection mid-blob cuts the client short', async () => {
    recorder.respondWith((req) =>
      req.path.includes('/blobs/') ? { abortAfterBytes: 1_000_000 } : undefined,
    );
    const res = await rawRequest(e2e.proxy.url, `/v2/up/team/app/blobs/${layer.digest}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(layer.size));
    expect(res.error).toBeDefined();
    expect(res.body.length).toBeLessThan(layer.size);
  });

  it('a client abort aborts the upstream request and frees its connection', async () => {
    const origin = recorder.url;
    const url = new URL(e2e.proxy.url);
    await new Promise<void>((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: `/v2/up/team/app/blobs/${layer.digest}`, agent: false },
        (res) => {
          res.once('data', () => {
            expect(e2e.dispatcher.stats[origin]?.running).toBe(1);
            req.destroy();
          });
        },
      );
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.end();
    });
    // The proxy aborts its upstream request: nothing left running against the registry.
    for (let i = 0; i < 100 && (e2e.dispatcher.stats[origin]?.running ?? 0) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(e2e.dispatcher.stats[origin]?.running ?? 0).toBe(0);
    // And it still serves.
    expect((await rawRequest(e2e.proxy.url, MANIFEST(), { headers: accept })).status).toBe(200);
  });

  const refusals: [string, string][] = [
    ['path traversal', '/v2/up/team/../../../etc/manifests/1'],
    ['encoded slash', '/v2/up/team%2Fapp/manifests/1'],
    ['header injection', '/v2/up/team/app/manifests/1?ns=x%0d%0aAuthorization:%20Basic%20eA'],
  ];
  it.each(refusals)('%s is refused before anything reaches the registry', async (_name, path) => {
    const res = await rawRequest(e2e.proxy.url, path);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).errors[0].code).toBe('NAME_INVALID');
    expect(recorder.requests).toHaveLength(0);
  });

  it('no secret reached the log', () => {
    const user = upstream.users[0]!;
    e2e.logs.assertNoSecrets([
      user.password,
      Buffer.from(`${user.username}:${user.password}`).toString('base64'),
    ]);
  });
});
