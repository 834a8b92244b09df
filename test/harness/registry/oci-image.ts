import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** A layer of `sizeBytes` pseudo-random bytes (one file), reproducible from `seed`. */
export interface RandomLayerSpec {
  sizeBytes: number;
  seed?: string | number;
  /** Path of the file inside the layer; default `data.bin`. */
  path?: string;
  /** gzip level 0–9; default 0 (stored blocks: still a valid tar+gzip, built at disk speed). */
  compressionLevel?: number;
}

/** A layer holding exactly these files (path → content). */
export interface FilesLayerSpec {
  files: Readonly<Record<string, string | Uint8Array>>;
}

export type LayerSpec = RandomLayerSpec | FilesLayerSpec;

export interface BuildOciImageOptions {
  layers: readonly LayerSpec[];
  /** Tag in the OCI layout's index.json; default `latest`. */
  tag?: string;
  /** Where built images are cached; default `$REGCRED_TEST_IMAGE_CACHE` or `<tmp>/regcred-test-images`. */
  cacheDir?: string;
}

export interface OciBlob {
  digest: string;
  size: number;
  mediaType: string;
}

/** An image in OCI layout on disk, ready for `skopeo copy oci:DIR:TAG …`. */
export interface OciImage {
  /** The OCI layout directory. Shared cache: treat as read-only. */
  dir: string;
  tag: string;
  /** `oci:DIR:TAG`, a skopeo source. */
  reference: string;
  manifestDigest: string;
  manifestMediaType: string;
  /** The manifest bytes exactly as pushed (their sha256 is manifestDigest). */
  manifest: string;
  configDigest: string;
  layerDigests: string[];
  /** Uncompressed tar digests, in layer order. */
  diffIds: string[];
  /** Config and layers, as listed in the manifest. */
  blobs: OciBlob[];
  /** Sum of compressed layer sizes. */
  layerBytes: number;
  /** Path of a blob file in the layout. */
  blobPath(digest: string): string;
}

const BUILDER_VERSION = 3;
const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
const LOCK_STALE_MS = 10 * 60_000;

/**
 * Builds (or reuses from the cache) a reproducible OCI image: the same spec gives the same digests in
 * every process and every run, so concurrent test files share one build. Throws when tar or gzip fail.
 */
export async function buildOciImage(options: BuildOciImageOptions): Promise<OciImage> {
  const tag = options.tag ?? 'latest';
  const cacheRoot =
    options.cacheDir ?? process.env.REGCRED_TEST_IMAGE_CACHE ?? join(tmpdir(), 'regcred-test-images');
  await mkdir(cacheRoot, { recursive: true });
  const key = createHash('sha256').update(specKey(options.layers, tag)).digest('hex').slice(0, 32);
  const finalDir = join(cacheRoot, key);
  const cached = await readCached(finalDir);
  if (cached) return cached;

  const lockPath = `${finalDir}.lock`;
  const locked = await acquireLock(lockPath);
  try {
    if (!locked) {
      // Another process is building the same spec: wait for it.
      const deadline = Date.now() + LOCK_STALE_MS;
      while (Date.now() < deadline) {
        const done = await readCached(finalDir);
        if (done) return done;
        if (!(await exists(lockPath))) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const again = await readCached(finalDir);
    if (again) return again;
    const workDir = await mkdtemp(`${finalDir}.build-`);
    try {
      await buildInto(workDir, options.layers, tag);
      await rm(finalDir, { recursive: true, force: true });
      await rename(workDir, finalDir);
    } catch (error) {
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
    const built = await readCached(finalDir);
    if (!built) throw new Error(`image build in ${finalDir} left no image.json`);
    return built;
  } finally {
    if (locked) await rm(lockPath, { force: true });
  }
}

/** Removes every cached image (all specs). */
export async function clearImageCache(cacheDir?: string): Promise<void> {
  const root = cacheDir ?? process.env.REGCRED_TEST_IMAGE_CACHE ?? join(tmpdir(), 'regcred-test-images');
  await rm(root, { recursive: true, force: true });
}

async function buildInto(dir: string, layers: readonly LayerSpec[], tag: string): Promise<void> {
  const blobsDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  const scratch = join(dir, 'scratch');
  const layerBlobs: OciBlob[] = [];
  const diffIds: string[] = [];
  for (const [index, layer] of layers.entries()) {
    const root = join(scratch, String(index));
    await mkdir(root, { recursive: true });
    const names = await writeLayerFiles(root, layer);
    const out = join(scratch, `${index}.tar.gz`);
    // Random bytes do not compress: stored deflate blocks keep a 100 MB layer cheap to build.
    const level = 'sizeBytes' in layer ? (layer.compressionLevel ?? 0) : 6;
    const { digest, size, diffId } = await tarGzip(root, names, out, level);
    await rename(out, join(blobsDir, digest.slice('sha256:'.length)));
    layerBlobs.push({ digest, size, mediaType: LAYER_MEDIA_TYPE });
    diffIds.push(diffId);
  }
  await rm(scratch, { recursive: true, force: true });

  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: diffIds },
  });
  const configBlob = await writeBlob(blobsDir, config, CONFIG_MEDIA_TYPE);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: configBlob,
    layers: layerBlobs,
  });
  const manifestBlob = await writeBlob(blobsDir, manifest, MANIFEST_MEDIA_TYPE);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifestBlob, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  const info = {
    tag,
    manifestDigest: manifestBlob.digest,
    manifestMediaType: MANIFEST_MEDIA_TYPE,
    manifest,
    configDigest: configBlob.digest,
    layerDigests: layerBlobs.map((b) => b.digest),
    diffIds,
    blobs: [configBlob, ...layerBlobs],
    layerBytes: layerBlobs.reduce((sum, b) => sum + b.size, 0),
  };
  await writeFile(join(dir, 'image.json'), JSON.stringify(info));
}

async function writeLayerFiles(root: string, layer: LayerSpec): Promise<string[]> {
  if ('sizeBytes' in layer) {
    const path = layer.path ?? 'data.bin';
    await writeRandomFile(join(root, path), layer.sizeBytes, String(layer.seed ?? 0));
    return [topLevel(path)];
  }
  for (const [path, content] of Object.entries(layer.files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  return [...new Set(Object.keys(layer.files).map(topLevel))].sort();
}

function topLevel(path: string): string {
  return path.replace(/^\/+/, '').split('/')[0] ?? path;
}

/** AES-256-CTR keystream keyed by the seed: fast (GB/s) and the same bytes everywhere. */
async function writeRandomFile(path: string, size: number, seed: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const key = createHash('sha256').update(`regcred-layer:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const chunk = Buffer.alloc(1 << 20);
  const file = await open(path, 'w');
  try {
    for (let left = size; left > 0; left -= chunk.length) {
      await file.write(cipher.update(left >= chunk.length ? chunk : chunk.subarray(0, left)));
    }
  } finally {
    await file.close();
  }
  await chmod(path, 0o644);
}

/** tar (reproducible flags) | gzip, hashing the tar (diff_id) and the gzip (blob digest) on the way. */
async function tarGzip(
  root: string,
  names: readonly string[],
  out: string,
  level: number,
): Promise<{ digest: string; size: number; diffId: string }> {
  const tar = spawn(
    'tar',
    [
      '--sort=name',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mode=u=rwX,go=rX',
      '--format=gnu',
      '-C',
      root,
      '-cf',
      '-',
      ...(names.length > 0 ? ['--', ...names] : ['--files-from=/dev/null']),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const errors: string[] = [];
  tar.stderr.on('data', (c: Buffer) => errors.push(c.toString()));
  const tarHash = createHash('sha256');
  const gzHash = createHash('sha256');
  let size = 0;
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.once('error', reject);
    tar.once('close', (code) => resolve(code));
  });
  // zlib's gzip header carries no name and mtime 0, like `gzip -n`.
  await pipeline(
    tar.stdout,
    tee(tarHash),
    // zlib's output depends on how its input is chunked (pipe reads vary): fixed chunks keep it reproducible.
    rechunk(64 * 1024),
    createGzip({ level }),
    tee(gzHash, (n) => {
      size += n;
    }),
    createWriteStream(out),
  );
  const tarCode = await exited;
  if (tarCode !== 0) throw new Error(`tar failed in ${root}: ${errors.join('')}`);
  return { digest: `sha256:${gzHash.digest('hex')}`, size, diffId: `sha256:${tarHash.digest('hex')}` };
}

function rechunk(size: number): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= size) {
        const all = Buffer.concat(pending);
        let offset = 0;
        for (; offset + size <= all.length; offset += size) this.push(all.subarray(offset, offset + size));
        pending = [all.subarray(offset)];
        pendingBytes = all.length - offset;
      }
      callback();
    },
    flush(callback) {
      if (pendingBytes > 0) this.push(Buffer.concat(pending));
      callback();
    },
  });
}

function tee(hash: ReturnType<typeof createHash>, count?: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      count?.(chunk.length);
      callback(null, chunk);
    },
  });
}

async function writeBlob(blobsDir: string, content: string, mediaType: string): Promise<OciBlob> {
  const hex = createHash('sha256').update(content).digest('hex');
  await writeFile(join(blobsDir, hex), content);
  return { mediaType, digest: `sha256:${hex}`, size: Buffer.byteLength(content) };
}

async function readCached(dir: string): Promise<OciImage | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'image.json'), 'utf8');
  } catch {
    return undefined;
  }
  const info = JSON.parse(text) as Omit<OciImage, 'dir' | 'reference' | 'blobPath'>;
  return {
    ...info,
    dir,
    reference: `oci:${dir}:${info.tag}`,
    blobPath: (digest) => join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')),
  };
}

async function acquireLock(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    await handle.close();
    return true;
  } catch {
    // A crashed builder leaves its lock behind: take it over once it is old.
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > LOCK_STALE_MS) {
      await rm(path, { force: true });
      return acquireLock(path);
    }
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function specKey(layers: readonly LayerSpec[], tag: string): string {
  return JSON.stringify({
    v: BUILDER_VERSION,
    tag,
    layers: layers.map((layer) =>
      'sizeBytes' in layer
        ? {
            size: layer.sizeBytes,
            seed: String(layer.seed ?? 0),
            path: layer.path ?? 'data.bin',
            level: layer.compressionLevel ?? 0,
          }
        : {
            files: Object.entries(layer.files)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([p, c]) => [p, typeof c === 'string' ? c : Buffer.from(c).toString('base64')]),
          },
    ),
  });
}

/**
 * Shared specs: tests that use these (rather than their own) hit the same cache entry, so a 100 MB
 * layer is built once per machine, not once per test file.
 */
export const TEST_IMAGE_SPECS = {
  /** Two small layers (256 KiB random + one text file): fast, for most tests. */
  small: { layers: [{ sizeBytes: 256 * 1024, seed: 'two-layer-a' }, { files: { 'etc/motd': 'hello\n' } }] },
  /** Three layers, one of 100 MiB (issue 5: "one layer ≥ 100 MB"). About 3–8 s to build here. */
  large: {
    layers: [
      { sizeBytes: 100 * 1024 * 1024, seed: 'large-100m' },
      { sizeBytes: 1024 * 1024, seed: 'large-1m' },
      { files: { 'etc/motd': 'large\n' } },
    ],
  },
} as const satisfies Record<string, BuildOciImageOptions>;
