import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildOciImage,
  type OciImage,
  pushImage,
  type RegistryAuthMode,
  type RegistryHandle,
  skopeoCopy,
  startRegistry,
} from '../harness/registry/index.ts';
import { hostOf, startE2eProxy } from './e2e-setup.ts';
import { rawRequest } from './http-client.ts';
import { startNsShim } from './ns-shim.ts';

// Real registry (distribution 2.8), real client (skopeo), the proxy in between.
const BIG_LAYER = 100 * 1024 * 1024 + 4096;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function registry(
  auth: RegistryAuthMode,
  tls: boolean,
  tokenTtlSeconds?: number,
): Promise<RegistryHandle> {
  const handle = await startRegistry({
    auth,
    tls,
    ...(auth === 'token' ? { tokenServer: { tokenTtlSeconds: tokenTtlSeconds ?? 300 } } : {}),
  });
  cleanups.push(() => handle.stop());
  return handle;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Pulls through the proxy into a dir: layout and checks every blob's digest on disk. */
async function pullAndVerify(source: string, image: OciImage): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'regcred-proxy-pull-'));
  cleanups.push(() => rm(out, { recursive: true, force: true }));
  const result = await skopeoCopy({
    src: source,
    dest: `dir:${out}`,
    tlsVerify: false,
    extraArgs: ['--retry-times', '0'],
  });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.digest).toBe(image.manifestDigest);
  for (const blob of image.blobs) {
    expect(await sha256File(join(out, blob.digest.slice('sha256:'.length)))).toBe(blob.digest);
  }
}

const bigImage = () =>
  buildOciImage({
    layers: [
      { sizeBytes: BIG_LAYER, seed: 'proxy-big' },
      { sizeBytes: 3 * 1024 * 1024, seed: 'proxy-mid' },
      { files: { 'etc/motd': 'via regcred\n' } },
    ],
  });
const smallImage = () =>
  buildOciImage({
    layers: [{ sizeBytes: 2 * 1024 * 1024, seed: 'proxy-small' }, { files: { 'etc/motd': 'small\n' } }],
  });

describe('skopeo pulls a ≥100 MB multi-layer image through the proxy', () => {
  it('prefix mode, htpasswd (Basic) registry over http', { timeout: 240_000 }, async () => {
    const [upstream, image] = await Promise.all([registry('htpasswd', false), bigImage()]);
    await pushImage(image, upstream, 'team/app:1');
    const user = upstream.users[0]!;
    const e2e = await startE2eProxy({ host: upstream.host, insecure: true, user });
    cleanups.push(() => e2e.stop());
    await pullAndVerify(`docker://${hostOf(e2e.proxy.url)}/up/team/app:1`, image);
    e2e.logs.assertNoSecrets([
      user.password,
      Buffer.from(`${user.username}:${user.password}`).toString('base64'),
    ]);
  });

  it('mirror mode (?ns=, as containerd sends), token (Bearer) registry over TLS, tokens expiring mid-pull', {
    timeout: 240_000,
  }, async () => {
    const [upstream, image] = await Promise.all([registry('token', true), bigImage()]);
    await pushImage(image, upstream, 'team/app:1');
    const user = upstream.users[0]!;
    const e2e = await startE2eProxy({ host: upstream.host, insecure: false, caPem: upstream.caPem, user });
    cleanups.push(() => e2e.stop());
    const shim = await startNsShim(e2e.proxy.url, upstream.host);
    cleanups.push(() => shim.stop());
    // From now on every token dies 1 s after issue on the registry's side, while the proxy keeps it for
    // the 60 s floor. Warm the proxy's cache, let the token die, then pull: requests meet 401s on cached
    // tokens and must refresh once and retry.
    const tokens = upstream.tokenServer!;
    tokens.setTokenTtl(1, { exactExpiry: true });
    const warm = await rawRequest(e2e.proxy.url, `/v2/team/app/manifests/1?ns=${upstream.host}`, {
      method: 'HEAD',
      headers: { accept: image.manifestMediaType },
    });
    expect(warm.status).toBe(200);
    const issuedBefore = tokens.issuedCount();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await pullAndVerify(`docker://${shim.host}/team/app:1`, image);
    expect(tokens.issuedCount()).toBeGreaterThan(issuedBefore);
    const metrics = await fetch(`${e2e.proxy.metricsUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /regcred_proxy_upstream_auth_refreshes_total\{registry="127\.0\.0\.1:\d+"\} [1-9]/,
    );
    expect(metrics).toMatch(/regcred_proxy_requests_total\{route="blobs",method="GET",status="200"\} [1-9]/);
    e2e.logs.assertNoSecrets([user.password]);
    // Metrics carry registry names and counts, never a password or a token.
    const tokenTexts = tokens.requests.map((r) => r.token).filter((t): t is string => typeof t === 'string');
    for (const secret of [user.password, ...tokenTexts]) expect(metrics).not.toContain(secret);
  });
});

const matrix: [string, RegistryAuthMode, boolean, 'prefix' | 'mirror'][] = [
  ['token (Bearer) over http, prefix mode', 'token', false, 'prefix'],
  ['htpasswd (Basic) over TLS, mirror mode', 'htpasswd', true, 'mirror'],
];
describe.each(matrix)('small image: %s', (_name, auth, tls, mode) => {
  it('pulls with skopeo and serves HEAD, Range and tags/list', { timeout: 120_000 }, async () => {
    const [upstream, image] = await Promise.all([registry(auth, tls), smallImage()]);
    await pushImage(image, upstream, 'team/app:1');
    await pushImage(image, upstream, 'team/app:2');
    const user = upstream.users[0]!;
    const e2e = await startE2eProxy({ host: upstream.host, insecure: !tls, caPem: upstream.caPem, user });
    cleanups.push(() => e2e.stop());
    let source = `docker://${hostOf(e2e.proxy.url)}/up/team/app:1`;
    let path = (rest: string) => `/v2/up/team/app/${rest}`;
    if (mode === 'mirror') {
      const shim = await startNsShim(e2e.proxy.url, upstream.host);
      cleanups.push(() => shim.stop());
      source = `docker://${shim.host}/team/app:1`;
      path = (rest) => `/v2/team/app/${rest}${rest.includes('?') ? '&' : '?'}ns=${upstream.host}`;
    }
    await pullAndVerify(source, image);

    const head = await rawRequest(e2e.proxy.url, path('manifests/1'), {
      method: 'HEAD',
      headers: { accept: image.manifestMediaType },
    });
    expect(head.status).toBe(200);
    expect(head.headers['docker-content-digest']).toBe(image.manifestDigest);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(image.manifest)));
    expect(head.headers['content-type']).toBe(image.manifestMediaType);
    expect(head.body).toHaveLength(0);

    const layer = image.blobs.find((b) => b.size > 1024 * 1024)!;
    const range = await rawRequest(e2e.proxy.url, path(`blobs/${layer.digest}`), {
      headers: { range: 'bytes=1000-1999' },
    });
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 1000-1999/${layer.size}`);
    expect(range.body).toHaveLength(1000);

    const tags = await rawRequest(e2e.proxy.url, path('tags/list'));
    expect(tags.status).toBe(200);
    const listed = JSON.parse(tags.body.toString()) as { name: string; tags: string[] };
    expect({ ...listed, tags: listed.tags.sort() }).toEqual({ name: 'team/app', tags: ['1', '2'] });

    const missing = await rawRequest(e2e.proxy.url, path('manifests/nope'));
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString()).errors[0].code).toBe('MANIFEST_UNKNOWN');
    e2e.logs.assertNoSecrets([user.password]);
  });
});

describe('refusals with a real client', () => {
  it('skopeo cannot reach an unconfigured alias or registry through the proxy', {
    timeout: 60_000,
  }, async () => {
    const upstream = await registry('htpasswd', false);
    const e2e = await startE2eProxy({ host: upstream.host, insecure: true, user: upstream.users[0]! });
    cleanups.push(() => e2e.stop());
    const out = await mkdtemp(join(tmpdir(), 'regcred-proxy-pull-'));
    cleanups.push(() => rm(out, { recursive: true, force: true }));
    const unknownAlias = await skopeoCopy({
      src: `docker://${hostOf(e2e.proxy.url)}/other/team/app:1`,
      dest: `dir:${out}`,
      tlsVerify: false,
      extraArgs: ['--retry-times', '0'],
    });
    expect(unknownAlias.code).not.toBe(0);
    expect(unknownAlias.stderr).toMatch(/no upstream with alias|name unknown/i);
    const shim = await startNsShim(e2e.proxy.url, 'registry.example.com');
    cleanups.push(() => shim.stop());
    const unconfigured = await skopeoCopy({
      src: `docker://${shim.host}/team/app:1`,
      dest: `dir:${out}`,
      tlsVerify: false,
      extraArgs: ['--retry-times', '0'],
    });
    expect(unconfigured.code).not.toBe(0);
    // The ping already fails: the proxy answers 403 DENIED for a registry it does not serve.
    expect(unconfigured.stderr).toMatch(/403|denied/i);
  });
});
