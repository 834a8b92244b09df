import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestCli } from '../../../test/fakes/cli-env.ts';
import { builtinProviders } from '../builtin-providers.ts';

let dir = '';
let config = '';
const PASSWORD = 'kubelet-static-password-42';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regcred-kubelet-'));
  config = join(dir, 'regcred.yaml');
  await writeFile(
    config,
    `registries:\n  - provider: static\n    hosts: ["*.example.com"]\n    username: robot\n    passwordEnv: PW\n`,
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (stdin: string) =>
  runTestCli(['--config', config, 'kubelet-plugin'], {
    providers: builtinProviders(),
    env: { PW: PASSWORD },
    stdin,
  });

describe('regcred kubelet-plugin', () => {
  it('answers a CredentialProviderRequest on stdout with nothing else there', async () => {
    const cli = await run(
      JSON.stringify({
        kind: 'CredentialProviderRequest',
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        image: 'registry.example.com/team/app',
      }),
    );
    expect(cli.exitCode()).toBe(0);
    expect(JSON.parse(cli.stdout())).toEqual({
      kind: 'CredentialProviderResponse',
      apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
      cacheKeyType: 'Registry',
      cacheDuration: '5m0s',
      auth: { 'registry.example.com': { username: 'robot', password: PASSWORD } },
    });
    expect(cli.stderr()).not.toContain(PASSWORD);
  });

  const failures = [
    {
      name: 'a malformed request',
      stdin: '{"kind":"CredentialProviderRequest"}',
      stderr: /invalid CredentialProviderRequest: apiVersion/,
    },
    {
      name: 'an image no entry serves',
      stdin: JSON.stringify({
        kind: 'CredentialProviderRequest',
        apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
        image: 'ghcr.io/x/y',
      }),
      stderr: /no configured registry serves ghcr\.io/,
    },
  ];
  for (const c of failures) {
    it(`exits non-zero on ${c.name}, with the reason on stderr and nothing on stdout`, async () => {
      const cli = await run(c.stdin);
      expect(cli.exitCode()).toBe(1);
      expect(cli.stdout()).toBe('');
      expect(cli.stderr()).toMatch(c.stderr);
    });
  }
});
