import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OciImage } from './oci-image.ts';
import type { RegistryHandle, RegistryUser } from './registry-process.ts';
import { type CommandResult, runCommand } from './run-command.ts';

/** How skopeo reaches a `docker://` endpoint. */
export interface SkopeoRegistryAccess {
  /** `user:pass` or a user; overrides any auth file for this endpoint. */
  creds?: RegistryUser | string;
  /** An auth.json (`auths` / `credHelpers`); default: an empty one, so nothing from $HOME leaks in. */
  authFile?: string;
  /** Default false: plain http or an untrusted certificate is accepted. */
  tlsVerify?: boolean;
  /** A directory with `ca.crt` (RegistryHandle.certDir); implies verification unless tlsVerify is false. */
  certDir?: string;
}

export interface SkopeoCopyOptions extends SkopeoRegistryAccess {
  /** `docker://HOST/REPO:TAG`, `oci:DIR:TAG`, `dir:DIR`, … */
  src: string;
  dest: string;
  /** Per-side settings; override the shared ones above. */
  srcAccess?: SkopeoRegistryAccess;
  destAccess?: SkopeoRegistryAccess;
  /** Extra environment (PATH for credential helpers, REGISTRY_AUTH_FILE, …), merged over process.env. */
  env?: NodeJS.ProcessEnv;
  /** Extra arguments before src and dest, e.g. `['--retry-times', '0']`. */
  extraArgs?: readonly string[];
}

export interface SkopeoCopyResult extends CommandResult {
  /** Digest of the manifest written to dest (from --digestfile), when the copy succeeded. */
  digest: string | undefined;
}

/** Runs `skopeo copy`. Never throws for a failed copy: inspect `code` and `stderr`. */
export async function skopeoCopy(options: SkopeoCopyOptions): Promise<SkopeoCopyResult> {
  const work = await mkdtemp(join(tmpdir(), 'regcred-skopeo-'));
  try {
    const digestFile = join(work, 'digest');
    const args = ['copy', '--quiet', '--digestfile', digestFile, '--preserve-digests'];
    const shared: SkopeoRegistryAccess = options;
    if (options.src.startsWith('docker://')) {
      args.push(...(await accessArgs('src', { ...shared, ...options.srcAccess }, work)));
    }
    if (options.dest.startsWith('docker://')) {
      args.push(...(await accessArgs('dest', { ...shared, ...options.destAccess }, work)));
    }
    args.push(...(options.extraArgs ?? []), options.src, options.dest);
    const result = await runCommand('skopeo', args, { env: { ...process.env, ...options.env } });
    let digest: string | undefined;
    if (result.code === 0) {
      digest = await readFile(digestFile, 'utf8').then(
        (text) => text.trim(),
        () => undefined,
      );
    }
    return { ...result, digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface SkopeoInspectOptions extends SkopeoRegistryAccess {
  /** `docker://HOST/REPO:TAG`. */
  image: string;
  /** `--raw`: the manifest bytes (default true). */
  raw?: boolean;
  /** `--config`: the image config instead of the manifest. */
  config?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Runs `skopeo inspect`. Never throws for a failed inspect. */
export async function skopeoInspect(options: SkopeoInspectOptions): Promise<CommandResult> {
  const work = await mkdtemp(join(tmpdir(), 'regcred-skopeo-'));
  try {
    const args = ['inspect', '--retry-times', '0'];
    if (options.raw ?? true) args.push('--raw');
    if (options.config) args.push('--config');
    args.push(...(await accessArgs('', options, work)), options.image);
    return await runCommand('skopeo', args, { env: { ...process.env, ...options.env } });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `docker://HOST/REPO` for an image in this registry. */
export function dockerReference(registry: Pick<RegistryHandle, 'host'>, repoAndTag: string): string {
  return `docker://${registry.host}/${repoAndTag}`;
}

/** The access skopeo needs for a harness registry: its first user, its CA when it serves TLS. */
export function registryAccess(registry: RegistryHandle, user?: RegistryUser | null): SkopeoRegistryAccess {
  const creds =
    user === null ? undefined : (user ?? (registry.auth === 'none' ? undefined : registry.users[0]));
  return registry.certDir
    ? { creds, certDir: registry.certDir, tlsVerify: true }
    : { creds, tlsVerify: false };
}

/**
 * Pushes a built image with skopeo to `registry` as `repoAndTag`. Uses the registry's first user
 * unless `creds` is given (`null` for anonymous). Throws with skopeo's stderr when the push fails.
 */
export async function pushImage(
  image: OciImage,
  registry: RegistryHandle,
  repoAndTag: string,
  creds?: RegistryUser | null,
): Promise<SkopeoCopyResult> {
  const result = await skopeoCopy({
    src: image.reference,
    dest: dockerReference(registry, repoAndTag),
    destAccess: registryAccess(registry, creds),
  });
  if (result.code !== 0) {
    throw new Error(
      `skopeo push of ${repoAndTag} to ${registry.host} failed (${result.code}): ${result.stderr}`,
    );
  }
  return result;
}

export interface AuthFileContent {
  /** registry host → helper name: skopeo runs `docker-credential-NAME get`. */
  credHelpers?: Record<string, string>;
  /** registry host → credentials, stored as base64 `user:pass` in `auth`. */
  auths?: Record<string, RegistryUser>;
  credsStore?: string;
}

/** Writes a containers/docker `auth.json` at `path` (mode 0600) and returns the path. */
export async function writeAuthFile(path: string, content: AuthFileContent): Promise<string> {
  const auths: Record<string, { auth: string }> = {};
  for (const [host, user] of Object.entries(content.auths ?? {})) {
    auths[host] = { auth: Buffer.from(`${user.username}:${user.password}`).toString('base64') };
  }
  const json = {
    auths,
    ...(content.credHelpers ? { credHelpers: content.credHelpers } : {}),
    ...(content.credsStore ? { credsStore: content.credsStore } : {}),
  };
  await writeFile(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  return path;
}

async function accessArgs(
  side: 'src' | 'dest' | '',
  access: SkopeoRegistryAccess,
  work: string,
): Promise<string[]> {
  const flag = (name: string) => (side === '' ? `--${name}` : `--${side}-${name}`);
  const args: string[] = [];
  if (access.creds !== undefined) {
    const creds =
      typeof access.creds === 'string' ? access.creds : `${access.creds.username}:${access.creds.password}`;
    args.push(flag('creds'), creds);
  } else {
    const authFile =
      access.authFile ?? (await writeAuthFile(join(work, `empty-auth-${side || 'x'}.json`), {}));
    args.push(flag('authfile'), authFile);
  }
  const verify = access.tlsVerify ?? access.certDir !== undefined;
  args.push(`${flag('tls-verify')}=${verify}`);
  if (access.certDir) args.push(flag('cert-dir'), access.certDir);
  return args;
}
