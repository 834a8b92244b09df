import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOciImage, TEST_IMAGE_SPECS } from './oci-image.ts';
import { startRegistry } from './registry-process.ts';
import { dockerReference, pushImage, registryAccess, skopeoCopy } from './skopeo.ts';

// Builds and moves 100 MiB: opt-in (REGCRED_TEST_LARGE=1) so the default run stays light on a shared machine.
describe.skipIf(!process.env.REGCRED_TEST_LARGE)('large image (opt-in)', () => {
  it('pushes and pulls the 100 MiB test image through a TLS token registry with matching digests', async () => {
    const out = await mkdtemp(join(tmpdir(), 'regcred-large-'));
    const [image, registry] = await Promise.all([
      buildOciImage(TEST_IMAGE_SPECS.large),
      startRegistry({ auth: 'token', tls: true }),
    ]);
    try {
      expect(image.layerBytes).toBeGreaterThan(100 * 1024 * 1024);
      await pushImage(image, registry, 'big/image:1');
      const pull = await skopeoCopy({
        src: dockerReference(registry, 'big/image:1'),
        dest: `dir:${join(out, 'pulled')}`,
        ...registryAccess(registry),
      });
      expect(pull.stderr).toBe('');
      expect(pull.digest).toBe(image.manifestDigest);
      const biggest = image.blobs.reduce((a, b) => (b.size > a.size ? b : a));
      expect((await stat(join(out, 'pulled', biggest.digest.slice(7)))).size).toBe(biggest.size);
    } finally {
      await registry.stop();
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
