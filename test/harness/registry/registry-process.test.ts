import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization, httpProbe } from './http-probe.ts';
import { buildOciImage, type OciImage, TEST_IMAGE_SPECS } from './oci-image.ts';
import { type RegistryHandle, startRegistry } from './registry-process.ts';
import { dockerReference, pushImage, registryAccess, skopeoCopy } from './skopeo.ts';

const modes = [
  { name: 'htpasswd over http', tls: false },
  { name: 'htpasswd over TLS', tls: true },
];

describe.each(modes)('registry harness: $name', ({ tls }) => {
  let registry: RegistryHandle;
  let image: OciImage;
  let out: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'regcred-registry-test-'));
    [registry, image] = await Promise.all([
      startRegistry({ auth: 'htpasswd', tls, users: [{ username: 'alice', password: 's3cret-alice' }] }),
      buildOciImage(TEST_IMAGE_SPECS.small),
    ]);
    await pushImage(image, registry, 'team/app:1');
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('serves /v2/ with the right scheme and answers 401 without credentials', async () => {
    expect(registry.url).toBe(`${tls ? 'https' : 'http'}://${registry.host}`);
    const anonymous = await httpProbe(`${registry.url}/v2/`, { ca: registry.caPem });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const authorized = await httpProbe(`${registry.url}/v2/`, {
      ca: registry.caPem,
      headers: { authorization: basicAuthorization('alice', 's3cret-alice') },
    });
    expect(authorized.status).toBe(200);
  });

  it('pulls back the pushed image with the right credentials and the same digests', async () => {
    const pull = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `oci:${join(out, 'pulled')}:1`,
      ...registryAccess(registry),
    });
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    expect(pull.digest).toBe(image.manifestDigest);
    const manifest = JSON.parse(
      await readFile(join(out, 'pulled', 'blobs', 'sha256', image.manifestDigest.slice(7)), 'utf8'),
    ) as { layers: { digest: string }[]; config: { digest: string } };
    expect(manifest.layers.map((l) => l.digest)).toEqual(image.layerDigests);
    expect(manifest.config.digest).toBe(image.configDigest);
  });

  it('fails with 401 for wrong credentials', async () => {
    const pull = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `dir:${join(out, 'denied')}`,
      ...registryAccess(registry, { username: 'alice', password: 'wrong' }),
    });
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/unauthorized|401/i);
  });

  it('refuses an untrusted certificate when verification is on', async () => {
    if (!tls) return;
    const pull = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `dir:${join(out, 'untrusted')}`,
      creds: registry.users[0],
      tlsVerify: true,
    });
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/certificate/i);
  });
});

describe('registry harness: lifecycle', () => {
  it('removes its temp dir on stop and stop is idempotent', async () => {
    const registry = await startRegistry({ auth: 'none' });
    const anonymous = await httpProbe(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(200);
    await registry.stop();
    await registry.stop();
    await expect(readFile(registry.configPath)).rejects.toThrow(/ENOENT/);
    await expect(httpProbe(`${registry.url}/v2/`)).rejects.toThrow();
  });
});
