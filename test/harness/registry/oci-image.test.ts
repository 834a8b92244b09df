import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOciImage, type LayerSpec } from './oci-image.ts';
import { runChecked } from './run-command.ts';

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('buildOciImage', () => {
  let cacheA: string;
  let cacheB: string;
  beforeAll(async () => {
    cacheA = await mkdtemp(join(tmpdir(), 'regcred-oci-a-'));
    cacheB = await mkdtemp(join(tmpdir(), 'regcred-oci-b-'));
  });
  afterAll(async () => {
    await rm(cacheA, { recursive: true, force: true });
    await rm(cacheB, { recursive: true, force: true });
  });

  const specs: { name: string; layers: LayerSpec[] }[] = [
    {
      name: 'random layers',
      layers: [
        { sizeBytes: 4 * 1024 * 1024, seed: 1 },
        { sizeBytes: 10, seed: 2 },
      ],
    },
    {
      name: 'file layers',
      layers: [{ files: { 'b/x.txt': 'x', 'a.txt': new Uint8Array([1, 2, 3]) } }, { files: {} }],
    },
  ];

  // Parallel builds read tar's pipe in different chunk sizes: the digests must not depend on that.
  it.each(specs)('builds $name reproducibly, in separate caches', async ({ layers }) => {
    const caches = await Promise.all([1, 2, 3, 4].map(() => mkdtemp(join(tmpdir(), 'regcred-oci-repro-'))));
    try {
      const images = await Promise.all(caches.map((cacheDir) => buildOciImage({ layers, cacheDir })));
      expect(new Set(images.map((i) => i.dir)).size).toBe(caches.length);
      expect(new Set(images.map((i) => i.manifestDigest))).toEqual(new Set([images[0]?.manifestDigest]));
      expect(images[0]?.layerDigests).toHaveLength(layers.length);
    } finally {
      await Promise.all(caches.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it('writes a consistent OCI layout: every blob hashes to its name, diff_ids match the tars', async () => {
    const image = await buildOciImage({ layers: specs[1]!.layers, cacheDir: cacheA, tag: 'v1' });
    expect(image.reference).toBe(`oci:${image.dir}:v1`);
    const index = JSON.parse(await readFile(join(image.dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests[0]?.digest).toBe(image.manifestDigest);
    expect(index.manifests[0]?.annotations['org.opencontainers.image.ref.name']).toBe('v1');
    expect(sha256(await readFile(image.blobPath(image.manifestDigest)))).toBe(image.manifestDigest);
    for (const blob of image.blobs)
      expect(sha256(await readFile(image.blobPath(blob.digest)))).toBe(blob.digest);
    const listing = await runChecked('tar', ['-tvzf', image.blobPath(image.layerDigests[0]!)]);
    expect(listing.stdout).toMatch(/0\/0 .* 1970-01-01 00:00 a\.txt/);
    expect(
      listing.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(/\s+/).at(-1)),
    ).toEqual(['a.txt', 'b/', 'b/x.txt']);
    const tar = await runChecked('sh', [
      '-c',
      `gzip -dc < '${image.blobPath(image.layerDigests[0]!)}' | sha256sum`,
    ]);
    expect(`sha256:${tar.stdout.split(' ')[0]}`).toBe(image.diffIds[0]);
  });

  it('builds once when two callers ask for the same spec at the same time', async () => {
    const layers: LayerSpec[] = [{ sizeBytes: 200_000, seed: 'race' }];
    const [a, b] = await Promise.all([
      buildOciImage({ layers, cacheDir: cacheB }),
      buildOciImage({ layers, cacheDir: cacheB }),
    ]);
    expect(a.dir).toBe(b.dir);
    expect(a.manifestDigest).toBe(b.manifestDigest);
  });

  it('reuses a cached build', async () => {
    const layers: LayerSpec[] = [{ sizeBytes: 50_000, seed: 'cache' }];
    const first = await buildOciImage({ layers, cacheDir: cacheA });
    const second = await buildOciImage({ layers, cacheDir: cacheA });
    expect(second.dir).toBe(first.dir);
    const other = await buildOciImage({ layers: [{ sizeBytes: 50_000, seed: 'other' }], cacheDir: cacheA });
    expect(other.manifestDigest).not.toBe(first.manifestDigest);
  });
});
