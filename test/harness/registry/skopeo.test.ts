import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOciImage, type OciImage, TEST_IMAGE_SPECS } from './oci-image.ts';
import { type RegistryHandle, startRegistry } from './registry-process.ts';
import {
  dockerReference,
  pushImage,
  registryAccess,
  skopeoCopy,
  skopeoInspect,
  writeAuthFile,
} from './skopeo.ts';

describe('skopeo helpers against a real registry', () => {
  const user = { username: 'carol', password: 'carol-pass-42' };
  let registry: RegistryHandle;
  let image: OciImage;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'regcred-skopeo-test-'));
    [registry, image] = await Promise.all([
      startRegistry({ auth: 'htpasswd', users: [user] }),
      buildOciImage(TEST_IMAGE_SPECS.small),
    ]);
    await pushImage(image, registry, 'team/app:1');
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('inspects the raw manifest byte for byte', async () => {
    const inspect = await skopeoInspect({
      image: dockerReference(registry, 'team/app:1'),
      ...registryAccess(registry),
    });
    expect(inspect.code).toBe(0);
    expect(inspect.stdout.trim()).toBe(image.manifest);
  });

  it('pulls with credentials from an auth.json `auths` entry', async () => {
    const authFile = await writeAuthFile(join(work, 'auths.json'), { auths: { [registry.host]: user } });
    const pull = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `dir:${join(work, 'auths-out')}`,
      authFile,
      tlsVerify: false,
    });
    expect(pull.stderr).toBe('');
    expect(pull.digest).toBe(image.manifestDigest);
  });

  it.each([
    { name: 'right secret', secret: user.password, ok: true },
    { name: 'wrong secret', secret: 'nope', ok: false },
  ])('pulls through a docker credential helper from `credHelpers` ($name)', async ({ name, secret, ok }) => {
    const bin = join(work, `bin-${name.replace(/\W/g, '-')}`);
    const calls = join(bin, 'calls.log');
    await mkdir(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-harness');
    await writeFile(
      helper,
      `#!/bin/sh\nread host\necho "$1 $host" >> '${calls}'\nprintf '{"ServerURL":"%s","Username":"${user.username}","Secret":"${secret}"}' "$host"\n`,
    );
    await chmod(helper, 0o755);
    const authFile = await writeAuthFile(join(bin, 'auth.json'), {
      credHelpers: { [registry.host]: 'harness' },
    });
    const pull = await skopeoCopy({
      src: dockerReference(registry, 'team/app:1'),
      dest: `dir:${join(bin, 'out')}`,
      authFile,
      tlsVerify: false,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expect((await readFile(calls, 'utf8')).split('\n')[0]).toBe(`get ${registry.host}`);
    if (ok) {
      expect(pull.stderr).toBe('');
      expect(pull.digest).toBe(image.manifestDigest);
    } else {
      expect(pull.code).not.toBe(0);
      expect(pull.stderr).toMatch(/unauthorized/i);
    }
  });
});
