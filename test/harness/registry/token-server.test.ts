import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization, httpProbe } from './http-probe.ts';
import { decodeJwt } from './jwt.ts';
import { buildOciImage, type OciImage, TEST_IMAGE_SPECS } from './oci-image.ts';
import { type RegistryHandle, startRegistry } from './registry-process.ts';
import { dockerReference, pushImage, registryAccess, skopeoCopy } from './skopeo.ts';
import { parseScope, startTokenServer, type TokenServer } from './token-server.ts';

const alice = { username: 'alice', password: 'alice-token-pass' };
const reader = { username: 'reader', password: 'reader-pass', access: { 'team/app': ['pull'] } };

const modes = [
  { name: 'http, ES256', tls: false, algorithm: 'ES256' as const },
  { name: 'TLS, RS256', tls: true, algorithm: 'RS256' as const },
];

describe.each(modes)('token mode against a real registry: $name', ({ tls, algorithm }) => {
  let registry: RegistryHandle;
  let tokens: TokenServer;
  let image: OciImage;
  let out: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'regcred-token-test-'));
    [registry, image] = await Promise.all([
      startRegistry({ auth: 'token', tls, users: [alice, reader], tokenServer: { algorithm } }),
      buildOciImage(TEST_IMAGE_SPECS.small),
    ]);
    tokens = registry.tokenServer!;
    await pushImage(image, registry, 'team/app:1');
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('issued a push token with the pull,push scope during the push', () => {
    const push = tokens.requests.find((r) => r.scopes.includes('repository:team/app:pull,push'));
    expect(push).toMatchObject({ method: 'GET', username: 'alice', service: 'test-registry', status: 200 });
    expect(push?.access).toEqual([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
    if (tls) expect(tokens.realm).toMatch(/^https:/);
  });

  it('lets skopeo pull with a pull-scoped token and the digests match', async () => {
    tokens.clearRequests();
    const pull = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `oci:${join(out, `pulled-${algorithm}`)}:1`,
      ...registryAccess(registry),
    });
    expect(pull.stderr).toBe('');
    expect(pull.digest).toBe(image.manifestDigest);
    expect(tokens.requests.map((r) => r.scopes)).toContainEqual(['repository:team/app:pull']);
    expect(tokens.requests.every((r) => r.status === 200 && r.username === 'alice')).toBe(true);
  });

  it('signs tokens the way registry 2.8 demands', async () => {
    const res = await httpProbe(`${tokens.realm}?service=test-registry&scope=repository:team/app:pull`, {
      ca: tokens.caPem,
      headers: { authorization: basicAuthorization(alice.username, alice.password) },
    });
    const body = JSON.parse(res.body) as { token: string; access_token: string; expires_in: number };
    expect(body.access_token).toBe(body.token);
    const { header, payload } = decodeJwt(body.token);
    expect(header).toMatchObject({ alg: algorithm, typ: 'JWT' });
    expect(Array.isArray(header.x5c)).toBe(true);
    expect(payload).toMatchObject({ iss: 'test-issuer', aud: 'test-registry', sub: 'alice' });
    expect(Number.isInteger(payload.exp)).toBe(true);
  });

  it('fails the pull when the token server refuses the credentials', async () => {
    const wrong = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `dir:${join(out, 'wrong')}`,
      ...registryAccess(registry, { username: 'alice', password: 'nope' }),
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/unauthorized|401/i);
    expect(tokens.requests.at(-1)?.status).toBe(401);
  });

  it('grants only the actions a user is allowed: a pull-only user cannot push', async () => {
    const push = pushImage(image, registry, 'team/app:2', {
      username: reader.username,
      password: reader.password,
    });
    await expect(push).rejects.toThrow(/denied|unauthorized|authentication required/i);
    expect(tokens.requests.at(-1)?.access).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull'] },
    ]);
  });
});

describe('token expiry against a real registry', () => {
  let registry: RegistryHandle;
  let tokens: TokenServer;
  let image: OciImage;
  let out: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'regcred-token-expiry-'));
    [registry, image] = await Promise.all([
      startRegistry({ auth: 'token', users: [alice] }),
      buildOciImage(TEST_IMAGE_SPECS.small),
    ]);
    tokens = registry.tokenServer!;
    await pushImage(image, registry, 'team/app:1');
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('with exactExpiry the registry refuses a token once its TTL has passed', async () => {
    tokens.setTokenTtl(2, { exactExpiry: true });
    const res = await httpProbe(`${tokens.realm}?service=test-registry&scope=repository:team/app:pull`, {
      headers: { authorization: basicAuthorization(alice.username, alice.password) },
    });
    const { token } = JSON.parse(res.body) as { token: string };
    const manifest = () =>
      httpProbe(`${registry.url}/v2/team/app/manifests/1`, {
        headers: { authorization: `Bearer ${token}`, accept: image.manifestMediaType },
      });
    expect((await manifest()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 4_200));
    const late = await manifest();
    expect(late.status).toBe(401);
    expect(late.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('skopeo completes a pull while each token dies within seconds, fetching fresh ones', async () => {
    tokens.configure({ tokenTtlSeconds: 2, exactExpiry: true, issuedAtOffsetSeconds: -3600 });
    tokens.clearRequests();
    const pull = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `dir:${join(out, 'short')}`,
      ...registryAccess(registry),
    });
    expect(pull.stderr).toBe('');
    expect(pull.digest).toBe(image.manifestDigest);
    // manifest, config and two layers: one token each, since every token looks expired on arrival.
    expect(tokens.issuedCount()).toBeGreaterThan(1);
    expect(tokens.requests.length).toBeGreaterThanOrEqual(3);
  });
});

describe('token server on its own', () => {
  let tokens: TokenServer;
  beforeAll(async () => {
    tokens = await startTokenServer({ users: [alice] });
  });
  afterAll(async () => {
    await tokens?.stop();
  });
  const get = (query: string, auth?: string) =>
    httpProbe(`${tokens.realm}?${query}`, { headers: auth ? { authorization: auth } : {} });
  const aliceAuth = basicAuthorization(alice.username, alice.password);

  it.each([
    { scope: 'repository:foo:pull', want: { type: 'repository', name: 'foo', actions: ['pull'] } },
    {
      scope: 'repository:127.0.0.1:5000/team/app:pull,push',
      want: { type: 'repository', name: '127.0.0.1:5000/team/app', actions: ['pull', 'push'] },
    },
    { scope: 'registry:catalog:*', want: { type: 'registry', name: 'catalog', actions: ['*'] } },
    { scope: 'nonsense', want: undefined },
  ])('parses scope $scope', ({ scope, want }) => {
    expect(parseScope(scope)).toEqual(want);
  });

  it('records repeated and space-separated scopes', async () => {
    tokens.clearRequests();
    await get('service=s&scope=repository:a:pull&scope=repository:b:pull%20repository:c:push', aliceAuth);
    expect(tokens.requests[0]?.scopes).toEqual([
      'repository:a:pull',
      'repository:b:pull',
      'repository:c:push',
    ]);
    expect(tokens.requests[0]?.access.map((a) => a.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses anonymous requests unless allowed, and refuses all while rejectCredentials is on', async () => {
    expect((await get('service=s&scope=repository:a:pull')).status).toBe(401);
    tokens.rejectCredentials(true);
    expect((await get('service=s&scope=repository:a:pull', aliceAuth)).status).toBe(401);
    tokens.rejectCredentials(false);
    expect((await get('service=s&scope=repository:a:pull', aliceAuth)).status).toBe(200);
  });

  it('injects failures with headers, then recovers', async () => {
    tokens.failNext(429, 1, { 'retry-after': '3' });
    const throttled = await get('service=s&scope=repository:a:pull', aliceAuth);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
    expect((await get('service=s&scope=repository:a:pull', aliceAuth)).status).toBe(200);
  });

  it('shapes the answer as configured', async () => {
    tokens.configure({ fields: 'access_token', includeExpiresIn: false, includeIssuedAt: false });
    const body = JSON.parse((await get('service=s&scope=repository:a:pull', aliceAuth)).body) as Record<
      string,
      unknown
    >;
    expect(Object.keys(body)).toEqual(['access_token']);
    tokens.configure({ fields: 'both', includeExpiresIn: true, includeIssuedAt: true });
  });

  const postForm = (realm: string) =>
    fetch(realm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: alice.username,
        password: alice.password,
        service: 's',
        scope: 'repository:a:pull',
      }),
    });

  it('answers OAuth2 POST with grant_type=password', async () => {
    const res = await postForm(tokens.realm);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string };
    expect(decodeJwt(body.access_token).payload.sub).toBe('alice');
  });

  it('refuses OAuth2 POST like GCR when postStatus is set', async () => {
    const gcrLike = await startTokenServer({ users: [alice], postStatus: 404 });
    try {
      expect((await postForm(gcrLike.realm)).status).toBe(404);
      expect(
        (
          await httpProbe(`${gcrLike.realm}?service=s&scope=repository:a:pull`, {
            headers: { authorization: aliceAuth },
          })
        ).status,
      ).toBe(200);
    } finally {
      await gcrLike.stop();
    }
  });
});

describe('one caller-owned token server for two registries', () => {
  it('serves both, and stopping a registry leaves the token server running', async () => {
    const tokens = await startTokenServer({ users: [alice] });
    const first = await startRegistry({ auth: 'token', tokenServer: tokens });
    const second = await startRegistry({ auth: 'token', tokenServer: tokens });
    try {
      const image = await buildOciImage(TEST_IMAGE_SPECS.small);
      await pushImage(image, first, 'one/app:1', alice);
      await first.stop();
      await pushImage(image, second, 'two/app:1', alice);
      // skopeo may ask again for a scope it already has (it retries on a loaded machine): compare the set.
      const granted = new Set(tokens.requests.filter((r) => r.status === 200).map((r) => r.scopes[0]));
      expect([...granted]).toEqual(['repository:one/app:pull,push', 'repository:two/app:pull,push']);
    } finally {
      await first.stop();
      await second.stop();
      await tokens.stop();
    }
  });
});
