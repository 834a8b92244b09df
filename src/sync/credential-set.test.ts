import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import { FakeCredentialSource } from '../../test/sync/fake-credential-source.ts';
import { CredentialSet } from './credential-set.ts';

const HOUR = 3_600_000;

describe('CredentialSet', () => {
  it('fetches once per registry entry, however many hosts it covers', async () => {
    const clock = new FakeClock();
    const source = new FakeCredentialSource(
      [{ name: 'gar', hosts: ['europe-docker.pkg.dev', 'eu.gcr.io'], lifetimeMs: HOUR }],
      clock,
    );
    const set = new CredentialSet({ source, clock });
    const [outcome] = await set.refresh();
    expect(outcome).toMatchObject({ ok: true, rotated: true });
    expect(source.totalFetches()).toBe(1);
    expect(
      set
        .forTarget(new Set(['gar']))
        .entries.map((e) => e.key)
        .sort(),
    ).toEqual(['eu.gcr.io', 'europe-docker.pkg.dev']);
  });

  it('keeps the last good credential when a refresh fails, and stops handing it out once expired', async () => {
    const clock = new FakeClock();
    const source = new FakeCredentialSource(
      [{ name: 'ecr', hosts: ['1.dkr.ecr.us-east-1.amazonaws.com'], lifetimeMs: HOUR }],
      clock,
    );
    const set = new CredentialSet({ source, clock });
    await set.refresh();
    const good = set.forTarget(new Set(['ecr'])).entries[0]?.credential.password;
    source.fail('ecr');
    const [failed] = await set.refresh({ forceRefresh: true });
    expect(failed?.ok).toBe(false);
    const during = set.forTarget(new Set(['ecr']));
    expect(during.entries[0]?.credential.password).toBe(good);
    expect(during.failedRegistries).toEqual(['ecr']);
    expect(set.fresh(clock.now()).fresh).toBe(true);
    await clock.advance(HOUR + 1);
    const after = set.forTarget(new Set(['ecr']));
    expect(after.entries).toEqual([]);
    expect([...after.unavailableKeys]).toEqual(['1.dkr.ecr.us-east-1.amazonaws.com']);
    expect(set.fresh(clock.now())).toMatchObject({ fresh: false });
  });

  it('refuses an older credential than the one it holds', async () => {
    const clock = new FakeClock();
    const source = new FakeCredentialSource(
      [{ name: 'ecr', hosts: ['h.example.com'], lifetimeMs: HOUR }],
      clock,
    );
    const set = new CredentialSet({ source, clock });
    await set.refresh();
    const held = set.state('ecr')?.credentials.get('h.example.com');
    source.getCredential = async () => ({
      username: 'u',
      password: 'older-password',
      expiresAt: new Date(clock.now() + 60_000),
      hosts: ['h.example.com'],
    });
    const [outcome] = await set.refresh({ forceRefresh: true });
    expect(outcome?.ok).toBe(false);
    expect(outcome?.error?.code).toBe('ERR_CREDENTIAL_INVALID');
    expect(set.state('ecr')?.credentials.get('h.example.com')).toBe(held);
  });
});
