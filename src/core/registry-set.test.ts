import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import { captureLogs } from '../../test/fakes/log-capture.ts';
import type { Credential } from './credential.ts';
import { ErrorCode } from './errors.ts';
import type { RegistryProvider } from './provider.ts';
import { DEFAULT_REFRESH_POLICY } from './refresh-policy.ts';
import { type BuiltRegistry, RegistrySet } from './registry-set.ts';

const HOUR = 3_600_000;

function fakeProvider(
  id: string,
  clock: FakeClock,
  options: { cacheKey?: (h: string) => string; discover?: string[]; answer?: (host: string) => unknown } = {},
) {
  const calls: string[] = [];
  const provider: RegistryProvider = {
    id,
    ...(options.cacheKey ? { cacheKey: options.cacheKey } : {}),
    ...(options.discover ? { discoverHosts: async () => options.discover ?? [] } : {}),
    async getCredential(host) {
      calls.push(host);
      const custom = options.answer?.(host);
      if (custom !== undefined) return custom as Credential;
      return {
        username: id,
        password: `${id}-password-${calls.length}`,
        expiresAt: new Date(clock.now() + HOUR),
        hosts: [host],
      };
    },
  };
  return { provider, calls };
}

function registrySet(
  clock: FakeClock,
  entries: { name: string; hosts: string[]; provider: RegistryProvider }[],
) {
  const logs = captureLogs();
  const built: BuiltRegistry[] = entries.map((e) => ({
    entry: { name: e.name, providerId: e.provider.id, hosts: e.hosts },
    provider: e.provider,
    refresh: DEFAULT_REFRESH_POLICY,
    timeoutMs: 10_000,
  }));
  return {
    set: new RegistrySet(built, { clock, logger: logs.logger, registerSecret: (s) => logs.scrubber.add(s) }),
    logs,
  };
}

describe('RegistrySet', () => {
  it('serves a host from the first entry whose pattern matches, in config order', async () => {
    const clock = new FakeClock();
    const a = fakeProvider('a', clock);
    const b = fakeProvider('b', clock);
    const { set } = registrySet(clock, [
      { name: 'scoped', hosts: ['r.example.com/team-a'], provider: a.provider },
      { name: 'wide', hosts: ['*.example.com'], provider: b.provider },
    ]);
    const cases = [
      { subject: 'r.example.com/team-a/app', want: 'scoped' },
      { subject: 'r.example.com/team-b/app', want: 'wide' },
      { subject: 'R.EXAMPLE.COM', want: 'wide' },
      { subject: 'example.com', want: undefined },
      { subject: 'x.y.example.com', want: undefined },
    ];
    for (const c of cases) expect(set.match(c.subject)?.name, c.subject).toBe(c.want);
    expect((await set.getCredential('r.example.com/team-a/app')).username).toBe('a');
  });

  it('shares one fetch between hosts with one cache key, and lists every host the credential serves', async () => {
    const clock = new FakeClock();
    const ecrLike = fakeProvider('ecrish', clock, { cacheKey: () => 'account-region-identity' });
    const { set } = registrySet(clock, [
      { name: 'ecr', hosts: ['*.dkr.ecr.*.amazonaws.com'], provider: ecrLike.provider },
    ]);
    const first = await set.getCredential('1.dkr.ecr.us-east-1.amazonaws.com');
    const second = await set.getCredential('1.dkr.ecr.us-east-1.amazonaws.com');
    const other = await set.getCredential('2.dkr.ecr.us-east-1.amazonaws.com');
    expect(ecrLike.calls).toEqual(['1.dkr.ecr.us-east-1.amazonaws.com']);
    expect(second.password).toBe(first.password);
    expect(other.hosts).toContain('2.dkr.ecr.us-east-1.amazonaws.com');
  });

  it('names the configured hosts when none serves the request', async () => {
    const clock = new FakeClock();
    const { set } = registrySet(clock, [
      { name: 'x', hosts: ['r.example.com'], provider: fakeProvider('x', clock).provider },
    ]);
    await expect(set.getCredential('ghcr.io')).rejects.toMatchObject({
      code: ErrorCode.RegistryNotConfigured,
      message: 'no configured registry serves ghcr.io; configured hosts: r.example.com',
    });
  });

  it('asks discovering providers for their hosts, then serves them', async () => {
    const clock = new FakeClock();
    const google = fakeProvider('google', clock, {
      discover: ['europe-docker.pkg.dev', 'US-docker.pkg.dev'],
    });
    const { set } = registrySet(clock, [
      {
        name: 'static',
        hosts: ['r.example.com', '*.example.org'],
        provider: fakeProvider('static', clock).provider,
      },
      { name: 'gar', hosts: [], provider: google.provider },
    ]);
    expect((await set.getCredential('us-docker.pkg.dev/p/repo/img')).username).toBe('google');
    const listed = await set.listHosts();
    expect(listed.map((l) => [l.entry.name, l.hosts])).toEqual([
      ['static', ['r.example.com']],
      ['gar', ['europe-docker.pkg.dev', 'us-docker.pkg.dev']],
    ]);
  });

  const malformed = [
    {
      name: 'no password',
      answer: { username: 'u', password: '', expiresAt: null, hosts: ['r.example.com'] },
      want: /"password" must be a non-empty string/,
    },
    {
      name: 'an invalid date',
      answer: { username: 'u', password: 'p', expiresAt: new Date('x'), hosts: ['r.example.com'] },
      want: /"expiresAt" must be a valid Date or null/,
    },
    {
      name: 'hosts without the requested one',
      answer: { username: 'u', password: 'p', expiresAt: null, hosts: ['other'] },
      want: /"hosts" must include the requested host r\.example\.com/,
    },
  ];
  for (const c of malformed) {
    it(`refuses a provider answer with ${c.name}, naming the provider and never the secret`, async () => {
      const clock = new FakeClock();
      const broken = fakeProvider('broken', clock, { answer: () => c.answer });
      const { set } = registrySet(clock, [
        { name: 'b', hosts: ['r.example.com'], provider: broken.provider },
      ]);
      const error = await set.getCredential('r.example.com').catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: ErrorCode.CredentialInvalid,
        message: expect.stringMatching(c.want),
      });
      expect(String((error as Error).message)).toMatch(
        /provider "broken" returned an unusable credential for r\.example\.com/,
      );
    });
  }

  it('registers every fetched password so that logs never show it', async () => {
    const clock = new FakeClock();
    const { set, logs } = registrySet(clock, [
      { name: 'x', hosts: ['r.example.com'], provider: fakeProvider('x', clock).provider },
    ]);
    const credential = await set.getCredential('r.example.com');
    logs.logger.error(`something echoed ${credential.password} by mistake`);
    logs.assertNoSecrets([credential.password]);
    expect(set.status()).toEqual([expect.objectContaining({ registry: 'x', consecutiveFailures: 0 })]);
  });
});
