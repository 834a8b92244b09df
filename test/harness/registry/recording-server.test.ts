import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpProbe } from './http-probe.ts';
import { buildOciImage, type OciImage } from './oci-image.ts';
import { type RecordingServer, startRecordingServer } from './recording-server.ts';
import { type RegistryHandle, startRegistry } from './registry-process.ts';
import { pushImage, skopeoCopy } from './skopeo.ts';

describe('recording server', () => {
  const servers: RecordingServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  const start = async (...args: Parameters<typeof startRecordingServer>) => {
    const server = await startRecordingServer(...args);
    servers.push(server);
    return server;
  };

  it('records method, url and headers exactly as sent', async () => {
    const server = await start();
    await httpProbe(`${server.url}/v2/foo/blobs/sha256:abc?x=1`, {
      method: 'HEAD',
      headers: { authorization: 'Bearer t0ken', 'x-custom': 'a' },
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'HEAD',
      url: '/v2/foo/blobs/sha256:abc?x=1',
      path: '/v2/foo/blobs/sha256:abc',
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer t0ken');
    expect(server.requests[0]?.rawHeaders).toContain('x-custom');
  });

  it.each([
    {
      name: 'status, headers and body',
      respond: { status: 429, headers: { 'retry-after': '2' }, body: 'slow down' },
      status: 429,
      body: 'slow down',
      header: ['retry-after', '2'],
    },
    {
      name: 'a redirect',
      respond: { redirect: 'http://127.0.0.1:1/elsewhere' },
      status: 307,
      body: '',
      header: ['location', 'http://127.0.0.1:1/elsewhere'],
    },
    {
      name: 'a function of the request',
      respond: () => ({ status: 404, body: '{"errors":[]}' }),
      status: 404,
      body: '{"errors":[]}',
      header: ['content-length', '13'],
    },
  ])('answers $name', async ({ respond, status, body, header }) => {
    const server = await start({ respond });
    const res = await httpProbe(`${server.url}/x`);
    expect(res.status).toBe(status);
    expect(res.body).toBe(body);
    expect(res.headers[header[0]!]).toBe(header[1]);
  });

  it('proves a followed redirect carried no Authorization to the other host', async () => {
    const target = await start({ respond: { body: 'blob-bytes' } });
    const origin = await start({ respond: { redirect: `${target.url}/blob` } });
    // fetch (undici) drops Authorization on a cross-origin redirect, as the OCI spec requires.
    const res = await fetch(`${origin.url}/v2/foo/blobs/sha256:1`, {
      headers: { authorization: 'Basic c2VjcmV0' },
    });
    expect(await res.text()).toBe('blob-bytes');
    expect(origin.requests[0]?.headers.authorization).toBe('Basic c2VjcmV0');
    expect(target.requests[0]?.path).toBe('/blob');
    expect(target.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('serves https with its own CA and can drop the connection', async () => {
    const server = await start({ tls: true, respond: { destroy: true } });
    expect(server.url).toMatch(/^https:/);
    await expect(httpProbe(`${server.url}/x`, { ca: server.caPem })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    server.respondWith({ status: 204 });
    expect((await httpProbe(`${server.url}/x`, { ca: server.caPem })).status).toBe(204);
    expect(server.requests).toHaveLength(2);
  });
});

describe('recording server forwarding to a real registry', () => {
  let registry: RegistryHandle;
  let front: RecordingServer;
  let image: OciImage;
  beforeAll(async () => {
    [registry, image] = await Promise.all([
      startRegistry({ auth: 'none' }),
      buildOciImage({ layers: [{ sizeBytes: 256 * 1024, seed: 'forward' }] }),
    ]);
    await pushImage(image, registry, 'team/app:1');
    front = await startRecordingServer({ forwardTo: registry.url });
  });
  afterAll(async () => {
    await front?.stop();
    await registry?.stop();
  });

  it('forwards what the responder leaves alone and injects what it answers', async () => {
    const blob = image.layerDigests[0]!;
    front.respondWith((req) =>
      req.path.endsWith('/manifests/1') ? { status: 500, body: 'boom' } : undefined,
    );
    expect((await httpProbe(`${front.url}/v2/team/app/manifests/1`)).status).toBe(500);
    const res = await httpProbe(`${front.url}/v2/team/app/blobs/${blob}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['docker-content-digest']).toBe(blob);
    expect(front.requests.map((r) => r.method)).toEqual(['GET', 'HEAD']);
  });

  it('cuts a forwarded blob after N bytes', async () => {
    const blob = image.layerDigests[0]!;
    front.respondWith({ abortAfterBytes: 1000 });
    await expect(httpProbe(`${front.url}/v2/team/app/blobs/${blob}`)).rejects.toThrow(
      /aborted|ECONNRESET|socket hang up/,
    );
  });

  it('fronts a registry whose blobs redirect to a blob store; skopeo sends the store no Authorization', async () => {
    const secured = await startRegistry({
      auth: 'htpasswd',
      users: [{ username: 'dave', password: 'dave-pass' }],
    });
    const blobStore = await startRecordingServer({
      respond: (req) => ({ bodyFile: image.blobPath(req.path.split('/').at(-1) ?? '') }),
    });
    const storeUrl = blobStore.url;
    const s3Like = await startRecordingServer({
      forwardTo: secured.url,
      respond: (req) =>
        req.method === 'GET' && /\/blobs\/sha256:/.test(req.path)
          ? { redirect: `${storeUrl}/store/${req.path.split('/').at(-1)}` }
          : undefined,
    });
    const out = await mkdtemp(join(tmpdir(), 'regcred-redirect-'));
    try {
      await pushImage(image, secured, 'team/app:1');
      const pull = await skopeoCopy({
        src: `docker://${s3Like.host}/team/app:1`,
        dest: `dir:${out}`,
        creds: secured.users[0],
        tlsVerify: false,
      });
      expect(pull.stderr).toBe('');
      expect(pull.digest).toBe(image.manifestDigest);
      expect(blobStore.requests.map((r) => r.path).sort()).toEqual(
        image.blobs.map((b) => `/store/${b.digest}`).sort(),
      );
      expect(blobStore.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
      expect(s3Like.requests.some((r) => r.headers.authorization?.toString().startsWith('Basic '))).toBe(
        true,
      );
    } finally {
      await Promise.all([s3Like.stop(), blobStore.stop(), secured.stop()]);
      await rm(out, { recursive: true, force: true });
    }
  });
});
