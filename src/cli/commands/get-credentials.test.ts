import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestCli } from '../../../test/fakes/cli-env.ts';
import { builtinProviders } from '../builtin-providers.ts';

let dir = '';
let config = '';
const PASSWORD = 'gc-static-password-7731';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regcred-cli-'));
  await writeFile(join(dir, 'pw'), PASSWORD);
  config = join(dir, 'regcred.yaml');
  await writeFile(
    config,
    [
      'registries:',
      '  - provider: static',
      '    hosts: ["registry.example.com:5000", "docker.io"]',
      '    username: robot',
      '    passwordFile: pw',
      '  - provider: static',
      '    name: team-a-only',
      '    hosts: ["scoped.example.com/team-a"]',
      '    username: team-a',
      '    passwordEnv: TEAM_A_PW',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) =>
  runTestCli(['--config', config, ...args], {
    providers: builtinProviders(),
    env: { TEAM_A_PW: 'team-a-pw-1', ...env },
  });

describe('regcred get-credentials', () => {
  const auth = Buffer.from(`robot:${PASSWORD}`).toString('base64');
  const outputs = [
    {
      name: 'json (default)',
      args: ['registry.example.com:5000'],
      want: { registry: 'registry.example.com:5000', username: 'robot', password: PASSWORD, expiresAt: null },
    },
    { name: 'password', args: ['registry.example.com:5000', '--output', 'password'], want: `${PASSWORD}\n` },
    {
      name: 'dockerconfigjson for Docker Hub, keyed as docker expects',
      args: ['nginx', '-o', 'dockerconfigjson'],
      want: { auths: { 'https://index.docker.io/v1/': { username: 'robot', password: PASSWORD, auth } } },
    },
    {
      name: 'json for an image reference',
      args: ['registry.example.com:5000/team/app:1.2'],
      want: { registry: 'registry.example.com:5000', username: 'robot' },
    },
    {
      name: 'json for a server URL',
      args: ['https://registry.example.com:5000/v2/'],
      want: { registry: 'registry.example.com:5000' },
    },
    {
      name: 'a path-scoped entry for an image under its path',
      args: ['scoped.example.com/team-a/app'],
      want: { username: 'team-a', password: 'team-a-pw-1' },
    },
  ];
  for (const c of outputs) {
    it(`prints ${c.name}`, async () => {
      const cli = await run(['get-credentials', ...c.args]);
      expect(cli.stderr()).toBe('');
      expect(cli.exitCode()).toBe(0);
      if (typeof c.want === 'string') expect(cli.stdout()).toBe(c.want);
      else expect(JSON.parse(cli.stdout())).toMatchObject(c.want);
      expect(cli.runtimes.length).toBe(1);
    });
  }

  const failures = [
    {
      name: 'an unconfigured registry',
      args: ['ghcr.io'],
      code: 1,
      stderr:
        /no configured registry serves ghcr\.io; configured hosts: registry\.example\.com:5000, docker\.io, scoped\.example\.com\/team-a \(ERR_REGISTRY_NOT_CONFIGURED\)/,
    },
    {
      name: 'an image outside a path-scoped entry',
      args: ['scoped.example.com/team-b/app'],
      code: 1,
      stderr: /no configured registry serves scoped\.example\.com/,
    },
    {
      name: 'an invalid reference',
      args: ['Registry.Example.com/UPPER'],
      code: 1,
      stderr: /repository name must be lowercase/,
    },
    {
      name: 'an unknown output format',
      args: ['docker.io', '-o', 'yaml'],
      code: 2,
      stderr: /Allowed choices are json, password, dockerconfigjson/,
    },
  ];
  for (const c of failures) {
    it(`fails on ${c.name} with exit ${c.code} and a clear message`, async () => {
      const cli = await run(['get-credentials', ...c.args]);
      expect(cli.exitCode()).toBe(c.code);
      expect(cli.stderr()).toMatch(c.stderr);
      expect(cli.stdout()).toBe('');
      expect(cli.stderr()).not.toContain(PASSWORD);
    });
  }

  it('exits 2 with every bad field when the config is invalid', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'registries:\n  - provider: static\n    hosts: [r.example]\n    username: ""\n');
    const cli = await runTestCli(['--config', bad, 'get-credentials', 'r.example'], {
      providers: builtinProviders(),
    });
    expect(cli.exitCode()).toBe(2);
    expect(cli.stderr()).toMatch(
      /invalid configuration in .*bad\.yaml:\n {2}✖ registries\[0\]\.username: username must not be empty\n {2}✖ registries\[0\]\.passwordFile: set one of passwordFile, passwordEnv or password/,
    );
  });
});
