import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCli } from '../../../test/fakes/cli-env.ts';
import { findFreePort } from '../../../test/harness/registry/index.ts';
import { type FakeRegistry, startFakeRegistry } from '../../../test/proxy/fake-registry.ts';
import { rawRequest } from '../../../test/proxy/http-client.ts';
import { builtinProviders } from '../builtin-providers.ts';
import { registerProxyCommand } from './proxy.ts';

const PASSWORD = 'proxy-cli-password-5521';
let dir = '';
let registry: FakeRegistry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regcred-proxy-cli-'));
  registry = await startFakeRegistry({ auth: 'basic', username: 'robot', password: PASSWORD });
  registry.addManifest('team/app', 'v1', '{"schemaVersion":2}', 'application/vnd.oci.image.manifest.v1+json');
  await writeFile(join(dir, 'pw'), PASSWORD);
});
afterAll(async () => {
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

function program(cli: ReturnType<typeof testCli>): Command {
  const root = new Command('regcred')
    .addOption(new Option('-c, --config <file>'))
    .addOption(new Option('--log-level <level>'))
    .exitOverride();
  registerProxyCommand(root, cli.env);
  return root;
}

async function waitForListening(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await rawRequest(url, '/v2/').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`proxy at ${url} did not come up`);
}

describe('regcred proxy', () => {
  it('serves prefix mode with the config credentials, then stops on the shutdown signal', async () => {
    const [port, metricsPort] = [await findFreePort(), await findFreePort()];
    const config = join(dir, 'regcred.yaml');
    await writeFile(
      config,
      [
        'registries:',
        '  - provider: static',
        `    hosts: ["${registry.host}"]`,
        '    username: robot',
        '    passwordFile: pw',
        'proxy:',
        '  upstreams:',
        `    - {alias: fake, registry: "${registry.host}", insecure: true}`,
      ].join('\n'),
    );
    const cli = testCli({ providers: builtinProviders() });
    const running = program(cli).parseAsync(
      [
        '--config',
        config,
        'proxy',
        '--listen',
        `127.0.0.1:${port}`,
        '--metrics-listen',
        `127.0.0.1:${metricsPort}`,
      ],
      { from: 'user' },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitForListening(url);
    const res = await rawRequest(url, '/v2/fake/team/app/manifests/v1');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('{"schemaVersion":2}');
    const health = await rawRequest(`http://127.0.0.1:${metricsPort}`, '/readyz');
    expect(health.status).toBe(200);
    cli.abort();
    await running;
    expect(cli.runtimes).toHaveLength(1);
    expect(cli.stderr()).not.toContain(PASSWORD);
    await expect(rawRequest(url, '/v2/')).rejects.toThrow();
  });

  it('refuses a non-loopback listen address without proxy.allowedClients', async () => {
    const config = join(dir, 'open.yaml');
    await writeFile(
      config,
      [
        'registries:',
        '  - provider: static',
        '    hosts: ["a.example"]',
        '    username: u',
        '    passwordFile: pw',
      ].join('\n'),
    );
    const cli = testCli({ providers: builtinProviders() });
    const error = await program(cli)
      .parseAsync(['--config', config, 'proxy', '--listen', '0.0.0.0:0', '--metrics-listen', ''], {
        from: 'user',
      })
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ERR_CONFIG_INVALID');
    expect(cli.runtimes).toHaveLength(1);
  });
});
