import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import staticProvider from '../../providers/static/index.ts';
import { ConfigError, formatPath } from '../core/errors.ts';
import { defineProvider } from '../core/provider.ts';
import { ProviderRegistry } from '../core/provider-registry.ts';
import { validateWithZod } from '../core/validate.ts';
import { parseConfig, resolveConfigPath } from './load.ts';

const discovering = defineProvider({
  id: 'discovering',
  description: 'finds its own hosts',
  canDiscoverHosts: true,
  validateConfig: (raw) => validateWithZod(z.strictObject({ project: z.string() }), raw),
  create: () => ({ id: 'discovering', getCredential: async () => Promise.reject(new Error('unused')) }),
});

const providers = () => new ProviderRegistry().register(staticProvider).register(discovering);

async function load(text: string, importer?: (s: string) => Promise<Record<string, unknown>>) {
  return parseConfig(text, {
    providers: providers(),
    cwd: '/tmp',
    path: '/etc/regcred/config.yaml',
    ...(importer ? { importer } : {}),
  });
}

async function issuesOf(text: string, importer?: (s: string) => Promise<Record<string, unknown>>) {
  try {
    await load(text, importer);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw error;
  }
  throw new Error('config was accepted');
}

const VALID = `
registries:
  - provider: static
    hosts: ["registry.example.com:5000"]
    username: robot
    passwordFile: /var/run/secrets/registry/password
`;

describe('loadConfig', () => {
  it('accepts the minimum shape from the docs and fills defaults', async () => {
    const loaded = await load(VALID);
    expect(loaded.registries).toHaveLength(1);
    expect(loaded.registries[0]).toMatchObject({
      entry: {
        name: 'registry.example.com:5000',
        providerId: 'static',
        hosts: ['registry.example.com:5000'],
      },
      timeoutMs: 30_000,
      refresh: { fraction: 0.5, marginMs: 300_000 },
      providerConfig: { username: 'robot', passwordFile: '/var/run/secrets/registry/password' },
    });
    expect(loaded.dir).toBe('/etc/regcred');
  });

  const invalid: { name: string; text: string; want: (string | RegExp)[] }[] = [
    { name: 'an empty file', text: '', want: [/must be a YAML mapping/] },
    {
      name: 'YAML syntax errors, with the line',
      text: 'registries: [\n  - a: b\n',
      want: [/YAML syntax error at line \d+/],
    },
    { name: 'no registries', text: 'registries: []', want: [/registries: at least one registry is needed/] },
    { name: 'an unknown top-level key', text: `${VALID}\nregistires: []`, want: [/\(root\): .*registires/i] },
    {
      name: 'an unknown provider, listing the known ones',
      text: 'registries:\n  - provider: harbour\n    hosts: [h.example]',
      want: [
        /registries\[0\]\.provider: unknown provider "harbour": known providers are "discovering", "static"/,
      ],
    },
    {
      name: 'every bad field of a provider entry at once, with paths',
      text: 'registries:\n  - provider: static\n    hosts: [r.example]\n    username: ""\n    passwordFlie: x',
      want: [/registries\[0\]\.username: username must not be empty/, /registries\[0\]: .*passwordFlie/],
    },
    {
      name: 'missing hosts for a provider that cannot discover them',
      text: 'registries:\n  - provider: static\n    username: u\n    passwordEnv: P',
      want: [/registries\[0\]\.hosts: provider "static" needs at least one host/],
    },
    {
      name: 'a malformed host pattern',
      text: 'registries:\n  - provider: static\n    hosts: ["https://"]\n    username: u\n    passwordEnv: P',
      want: [/registries\[0\]\.hosts\[0\]: /],
    },
    {
      name: 'a bad duration',
      text: `${VALID}    timeout: 5 minutes\n`,
      want: [/registries\[0\]\.timeout: "5 minutes" is not a duration/],
    },
    {
      name: 'duplicate entry names',
      text: `${VALID}  - provider: static\n    hosts: ["registry.example.com:5000"]\n    username: u\n    passwordEnv: P\n`,
      want: [/registries\[1\]\.name: name "registry.example.com:5000" is already used by registries\[0\]/],
    },
    {
      name: 'a secret target naming an unconfigured registry',
      text: `${VALID}secrets:\n  - name: regcred\n    registries: [ghcr.io]\n`,
      want: [
        /secrets\[0\]\.registries\[0\]: "ghcr.io" is neither the name nor a host of a configured registry/,
      ],
    },
  ];
  for (const c of invalid) {
    it(`reports ${c.name}`, async () => {
      const issues = await issuesOf(c.text);
      for (const pattern of c.want)
        expect(
          issues.some((i) => (typeof pattern === 'string' ? i.includes(pattern) : pattern.test(i))),
        ).toBe(true);
    });
  }

  it('lets a discovering provider leave hosts out', async () => {
    const loaded = await load('registries:\n  - provider: discovering\n    project: p1\n');
    expect(loaded.registries[0]?.entry).toMatchObject({ name: 'discovering-0', hosts: [] });
  });

  it('loads an external provider module and checks it against the contract', async () => {
    const importer = async (specifier: string) => {
      if (specifier.endsWith('/good.js')) return { default: { ...discovering, id: 'good' } };
      if (specifier.endsWith('/bad.js')) return { provider: { id: 'bad', create: () => ({}) } };
      throw Object.assign(new Error(`Cannot find module ${specifier}`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const loaded = await load('registries:\n  - provider: ./good.js\n    project: p\n', importer);
    expect(loaded.registries[0]?.entry.providerId).toBe('good');
    const issues = await issuesOf('registries:\n  - provider: ./bad.js\n    hosts: [x.example]\n', importer);
    expect(issues.join('\n')).toMatch(
      /registries\[0\]\.provider: provider module \.\/bad\.js does not satisfy the provider contract: "description" must be a string; "validateConfig\(raw\)" must be a function/,
    );
    const missing = await issuesOf(
      'registries:\n  - provider: regcred-provider-nope\n    hosts: [x.example]\n',
      importer,
    );
    expect(missing.join('\n')).toMatch(/provider package "regcred-provider-nope" is not installed/);
  });

  it('never echoes an inline password in an error', async () => {
    const issues = await issuesOf(
      'registries:\n  - provider: static\n    hosts: [r.example]\n    username: u\n    password: sup3r-s3cret-inline\n    passwordEnv: P\n',
    );
    expect(issues.join('\n')).not.toContain('sup3r-s3cret-inline');
  });
});

describe('resolveConfigPath', () => {
  const cases: {
    name: string;
    flag: string | undefined;
    env: Record<string, string>;
    exists: string[];
    want: string;
  }[] = [
    {
      name: '--config wins',
      flag: 'a.yaml',
      env: { REGCRED_CONFIG: '/b.yaml' },
      exists: [],
      want: '/work/a.yaml',
    },
    {
      name: 'then REGCRED_CONFIG',
      flag: undefined,
      env: { REGCRED_CONFIG: '/b.yaml' },
      exists: [],
      want: '/b.yaml',
    },
    {
      name: 'then the XDG config home',
      flag: undefined,
      env: { XDG_CONFIG_HOME: '/x', HOME: '/h' },
      exists: ['/x/regcred/config.yaml', '/etc/regcred/config.yaml'],
      want: '/x/regcred/config.yaml',
    },
    {
      name: 'then /etc',
      flag: undefined,
      env: { HOME: '/h' },
      exists: ['/etc/regcred/config.yaml'],
      want: '/etc/regcred/config.yaml',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(resolveConfigPath(c.flag, c.env, '/work', (p) => c.exists.includes(p))).toBe(c.want);
    });
  }

  it('names every place it looked when there is no config', () => {
    expect(() => resolveConfigPath(undefined, { HOME: '/h' }, '/work', () => false)).toThrow(
      /pass --config FILE, set REGCRED_CONFIG, or create one of \/h\/.config\/regcred\/config.yaml, \/etc\/regcred\/config.yaml/,
    );
  });
});
