import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import type { Credential } from './credential.ts';
import { CredentialCache, type CredentialFetcher } from './credential-cache.ts';
import { ErrorCode, RegcredError } from './errors.ts';
import { DEFAULT_REFRESH_POLICY, refreshAt } from './refresh-policy.ts';

const HOUR = 3_600_000;
const options = { policy: DEFAULT_REFRESH_POLICY, timeoutMs: 60_000 };

function credential(clock: FakeClock, lifetimeMs: number | null, password = `pw-${clock.now()}`): Credential {
  return {
    username: 'AWS',
    password,
    expiresAt: lifetimeMs === null ? null : new Date(clock.now() + lifetimeMs),
    hosts: ['r.example'],
  };
}

/** A fetcher whose answers the test scripts, counting calls. */
function scripted(clock: FakeClock, answers: ((c: FakeClock) => Credential | Error)[]) {
  let calls = 0;
  const fetcher: CredentialFetcher = async () => {
    const answer = answers[Math.min(calls, answers.length - 1)];
    calls++;
    await Promise.resolve();
    const value = answer!(clock);
    if (value instanceof Error) throw value;
    return value;
  };
  return { fetcher, calls: () => calls };
}

const fetchError = () => new RegcredError(ErrorCode.CredentialFetch, 'ECR answered 503');

describe('refreshAt', () => {
  const fetchedAt = Date.UTC(2026, 0, 1);
  const cases = [
    { name: 'ECR 12 h token refreshes at half its life', lifetime: 12 * HOUR, want: 6 * HOUR },
    { name: 'Google 1 h token refreshes at 30 min', lifetime: HOUR, want: HOUR / 2 },
    {
      name: 'a 8 min token refreshes 5 min before expiry (margin wins)',
      lifetime: 8 * 60_000,
      want: 3 * 60_000,
    },
    { name: 'a token with less life than the margin refreshes now', lifetime: 60_000, want: 0 },
    { name: 'a long-lived credential is re-read after the max age', lifetime: null, want: 60_000 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const expiresAt = c.lifetime === null ? null : new Date(fetchedAt + c.lifetime);
      expect(refreshAt({ expiresAt }, fetchedAt, DEFAULT_REFRESH_POLICY) - fetchedAt).toBe(c.want);
    });
  }
});

describe('CredentialCache', () => {
  it('coalesces concurrent fetches into one', async () => {
    const clock = new FakeClock();
    const cache = new CredentialCache({ clock });
    const source = scripted(clock, [(c) => credential(c, 12 * HOUR)]);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.get('k', source.fetcher, options)),
    );
    expect(source.calls()).toBe(1);
    expect(new Set(results.map((r) => r.password)).size).toBe(1);
  });

  it('serves the cached credential until its refresh time, then fetches a new one', async () => {
    const clock = new FakeClock();
    const cache = new CredentialCache({ clock });
    const source = scripted(clock, [(c) => credential(c, 12 * HOUR)]);
    const first = await cache.get('k', source.fetcher, options);
    await clock.advance(6 * HOUR - 1);
    expect(await cache.get('k', source.fetcher, options)).toBe(first);
    expect(source.calls()).toBe(1);
    await clock.advance(1);
    const second = await cache.get('k', source.fetcher, options);
    expect(source.calls()).toBe(2);
    expect(second.password).not.toBe(first.password);
  });

  it('keeps the last good credential while refreshes fail, until it really expires', async () => {
    const clock = new FakeClock();
    const stale: string[] = [];
    const cache = new CredentialCache({ clock, random: () => 0, onStaleServed: (key) => stale.push(key) });
    const source = scripted(clock, [(c) => credential(c, HOUR), fetchError]);
    const good = await cache.get('k', source.fetcher, options);
    await clock.advance(HOUR / 2);
    expect(await cache.get('k', source.fetcher, options)).toBe(good);
    expect(stale).toEqual(['k']);
    await clock.advance(HOUR / 2);
    await expect(cache.get('k', source.fetcher, options)).rejects.toMatchObject({
      code: ErrorCode.CredentialFetch,
    });
  });

  it('backs off after a failure instead of calling the provider on every request', async () => {
    const clock = new FakeClock();
    const cache = new CredentialCache({
      clock,
      random: () => 0,
      backoff: { initialMs: 1_000, maxMs: 60_000 },
    });
    const source = scripted(clock, [fetchError, fetchError, (c) => credential(c, HOUR)]);
    await expect(cache.get('k', source.fetcher, options)).rejects.toThrow('503');
    await expect(cache.get('k', source.fetcher, options)).rejects.toThrow('503');
    expect(source.calls()).toBe(1);
    expect(cache.state('k')).toMatchObject({ consecutiveFailures: 1, nextAttemptAt: clock.now() + 500 });
    await clock.advance(500);
    await expect(cache.get('k', source.fetcher, options)).rejects.toThrow('503');
    expect(source.calls()).toBe(2);
    await clock.advance(1_000);
    expect((await cache.get('k', source.fetcher, options)).username).toBe('AWS');
    expect(cache.state('k')?.consecutiveFailures).toBe(0);
  });

  const badReplacements = [
    { name: 'an empty password', make: (c: FakeClock) => credential(c, 12 * HOUR, '') },
    { name: 'an already expired token', make: (c: FakeClock) => credential(c, -1) },
    { name: 'an older token than the one held', make: (c: FakeClock) => credential(c, 1_000) },
  ];
  for (const bad of badReplacements) {
    it(`never replaces a good credential with ${bad.name}`, async () => {
      const clock = new FakeClock();
      const cache = new CredentialCache({ clock });
      const source = scripted(clock, [(c) => credential(c, 12 * HOUR), bad.make]);
      const good = await cache.get('k', source.fetcher, options);
      const after = await cache.get('k', source.fetcher, { ...options, forceRefresh: true });
      expect(after).toBe(good);
      expect(cache.state('k')?.lastError?.code).toBe(ErrorCode.CredentialInvalid);
    });
  }

  it('lets one caller stop waiting without cancelling the shared fetch', async () => {
    const clock = new FakeClock();
    const cache = new CredentialCache({ clock });
    let release: (c: Credential) => void = () => {};
    const fetcher: CredentialFetcher = () => new Promise((resolve) => (release = resolve));
    const controller = new AbortController();
    const impatient = cache.get('k', fetcher, { ...options, signal: controller.signal });
    const patient = cache.get('k', fetcher, options);
    controller.abort();
    await expect(impatient).rejects.toMatchObject({ code: ErrorCode.Aborted });
    release(credential(clock, HOUR));
    expect((await patient).username).toBe('AWS');
  });

  it('reports every accepted credential so its password can be scrubbed from logs', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const cache = new CredentialCache({ clock, onCredential: (c) => seen.push(c.password) });
    await cache.get('k', scripted(clock, [(c) => credential(c, HOUR, 'sekret-1')]).fetcher, options);
    expect(seen).toEqual(['sekret-1']);
  });
});
