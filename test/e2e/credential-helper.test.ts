import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_FOUND_MESSAGE } from '../../src/cli/commands/credential-helper.ts';
import {
  buildOciImage,
  dockerReference,
  type OciImage,
  pushImage,
  type RegistryHandle,
  skopeoCopy,
  startRegistry,
  writeAuthFile,
} from '../harness/registry/index.ts';

// skopeo (a real client) asks the real docker-credential-regcred binary for credentials through
// `credHelpers`, and pulls from a real docker-registry that checks them with htpasswd (Basic auth).
const HELPER_SOURCE = resolve(import.meta.dirname, '../../src/cli/bin/docker-credential-regcred.ts');
const PASSWORD = 'helper-e2e-password-5e1c';

let registry: RegistryHandle;
let image: OciImage;
let dir = '';
let binDir = '';

beforeAll(async () => {
  registry = await startRegistry({ auth: 'htpasswd', users: [{ username: 'robot', password: PASSWORD }] });
  image = await buildOciImage({
    layers: [{ sizeBytes: 256 * 1024, seed: 'helper' }, { files: { 'etc/motd': 'hi\n' } }],
  });
  await pushImage(image, registry, 'team/app:1');
  dir = await mkdtemp(join(tmpdir(), 'regcred-helper-'));
  binDir = join(dir, 'bin');
  await writeFile(join(dir, 'pw'), `${PASSWORD}\n`);
  await writeFile(join(dir, 'wrong-pw'), 'not-the-password\n');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(binDir);
  const helper = join(binDir, 'docker-credential-regcred');
  await writeFile(helper, `#!/bin/sh\nexec "${process.execPath}" "${HELPER_SOURCE}" "$@"\n`);
  await chmod(helper, 0o755);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, passwordFile: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    `registries:\n  - provider: static\n    hosts: ["${registry.host}"]\n    username: robot\n    passwordFile: ${passwordFile}\n`,
  );
  return path;
}

function runHelper(action: string, stdin: string, config: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    const child = spawn(join(binDir, 'docker-credential-regcred'), [action], {
      env: { PATH: process.env.PATH, REGCRED_CONFIG: config },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function pullWithHelper(config: string) {
  const authFile = await writeAuthFile(join(dir, `auth-${Date.now()}.json`), {
    credHelpers: { [registry.host]: 'regcred' },
  });
  return skopeoCopy({
    src: dockerReference(registry, 'team/app:1'),
    dest: `dir:${await mkdtemp(join(dir, 'out-'))}`,
    authFile,
    tlsVerify: false,
    env: { PATH: `${binDir}:${process.env.PATH}`, REGCRED_CONFIG: config },
  });
}

describe('docker-credential-regcred with skopeo and a real registry', () => {
  it('lets skopeo pull with credentials from the helper, and the digest matches the source', async () => {
    const pull = await pullWithHelper(await writeConfig('good.yaml', 'pw'));
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    expect(pull.digest).toBe(image.manifestDigest);
  });

  it('makes the pull fail with 401 when the configured password is wrong', async () => {
    const pull = await pullWithHelper(await writeConfig('wrong.yaml', 'wrong-pw'));
    expect(pull.code).not.toBe(0);
    expect(pull.stderr).toMatch(/unauthorized|authentication required|401/i);
  });

  it('answers get with the protocol JSON on stdout and nothing else', async () => {
    const result = await runHelper('get', `${registry.host}\n`, await writeConfig('get.yaml', 'pw'));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ServerURL: registry.host,
      Username: 'robot',
      Secret: PASSWORD,
    });
    expect(result.stderr).not.toContain(PASSWORD);
  });

  const refusals = [
    {
      name: 'get for an unconfigured registry',
      action: 'get',
      stdin: 'ghcr.io',
      stdout: `${NOT_FOUND_MESSAGE}\n`,
    },
    {
      name: 'store',
      action: 'store',
      stdin: '{"ServerURL":"x","Username":"u","Secret":"s"}',
      stdout: /regcred does not store credentials/,
    },
    { name: 'erase', action: 'erase', stdin: 'x', stdout: /regcred does not erase credentials/ },
    {
      name: 'an unknown action',
      action: 'frobnicate',
      stdin: '',
      stdout: /unknown credential helper action "frobnicate"/,
    },
  ];
  for (const c of refusals) {
    it(`refuses ${c.name} on stdout with exit 1`, async () => {
      const result = await runHelper(c.action, c.stdin, await writeConfig('refuse.yaml', 'pw'));
      expect(result.code).toBe(1);
      if (typeof c.stdout === 'string') expect(result.stdout).toBe(c.stdout);
      else expect(result.stdout).toMatch(c.stdout);
    });
  }

  it('lists configured registries with their usernames, and prints its version', async () => {
    const config = await writeConfig('list.yaml', 'pw');
    const list = await runHelper('list', '', config);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ [registry.host]: 'robot' });
    const version = await runHelper('version', '', config);
    expect(version.stdout).toMatch(/^docker-credential-regcred \(regcred\) \d+\.\d+\.\d+/);
  });

  it('reports a broken config on stdout with exit 1, never a secret', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(
      broken,
      `registries:\n  - provider: static\n    hosts: ["${registry.host}"]\n    username: robot\n    password: ${PASSWORD}\n    passwordFile: pw\n`,
    );
    const result = await runHelper('get', registry.host, broken);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/invalid configuration/);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });
});
