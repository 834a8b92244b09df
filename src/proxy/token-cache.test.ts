import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import { TokenCache } from './token-cache.ts';

function setup() {
  const clock = new FakeClock();
  const lookups: boolean[] = [];
  const cache = new TokenCache({ clock, onLookup: (_key, hit) => lookups.push(hit) });
  let fetches = 0;
  const fetcher = (expiresIn?: number) => async () => {
    fetches++;
    return { token: `t${fetches}`, expiresIn };
  };
  return { clock, cache, lookups, fetcher, fetches: () => fetches };
}

describe('TokenCache', () => {
  it('coalesces concurrent misses into one fetch and then serves hits', async () => {
    const { cache, fetcher, fetches, lookups } = setup();
    const key = TokenCache.key('r.example', 'repository:a:pull');
    const got = await Promise.all([cache.get(key, fetcher(300)), cache.get(key, fetcher(300))]);
    expect(got).toEqual(['t1', 't1']);
    expect(await cache.get(key, fetcher(300))).toBe('t1');
    expect(fetches()).toBe(1);
    expect(lookups).toEqual([false, true]);
  });

  it('keys by registry and scope', async () => {
    const { cache, fetcher, fetches } = setup();
    await cache.get(TokenCache.key('r', 'repository:a:pull'), fetcher());
    await cache.get(TokenCache.key('r', 'repository:b:pull'), fetcher());
    await cache.get(TokenCache.key('s', 'repository:a:pull'), fetcher());
    expect(fetches()).toBe(3);
  });

  const lifetimes: [string, number | undefined, number, boolean][] = [
    ['missing expires_in lives 60 s (still fresh at 29 s)', undefined, 29_000, false],
    ['missing expires_in is renewed before 60 s', undefined, 55_000, true],
    ['expires_in below the floor counts as 60 s', 5, 29_000, false],
    ['300 s token fresh at 280 s', 300, 280_000, false],
    ['300 s token renewed 10 s before expiry', 300, 291_000, true],
  ];
  it.each(lifetimes)('%s', async (_name, expiresIn, after, refetched) => {
    const { cache, clock, fetcher, fetches } = setup();
    await cache.get('k', fetcher(expiresIn));
    await clock.advance(after);
    await cache.get('k', fetcher(expiresIn));
    expect(fetches()).toBe(refetched ? 2 : 1);
  });

  it('invalidate drops only the token that failed', async () => {
    const { cache, fetcher, fetches } = setup();
    await cache.get('k', fetcher());
    cache.invalidate('k', 'stale');
    expect(await cache.get('k', fetcher())).toBe('t1');
    cache.invalidate('k', 't1');
    expect(await cache.get('k', fetcher())).toBe('t2');
    expect(fetches()).toBe(2);
  });

  it('peek serves fresh tokens only and never fetches', async () => {
    const { cache, clock, fetcher, lookups } = setup();
    expect(cache.peek('k')).toBeUndefined();
    await cache.get('k', fetcher(300));
    expect(cache.peek('k')).toBe('t1');
    await clock.advance(295_000);
    expect(cache.peek('k')).toBeUndefined();
    expect(lookups).toEqual([false, true]);
  });

  it('does not cache a failed fetch', async () => {
    const { cache } = setup();
    await expect(cache.get('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.get('k', async () => ({ token: 'ok' }))).toBe('ok');
  });

  it('a caller that gives up leaves the shared fetch running for the others', async () => {
    const { cache } = setup();
    let release: (token: { token: string }) => void = () => {};
    let fetchAborted = false;
    let fetches = 0;
    const slow = (signal: AbortSignal) => {
      fetches++;
      signal.addEventListener('abort', () => {
        fetchAborted = true;
      });
      return new Promise<{ token: string }>((resolve) => {
        release = resolve;
      });
    };
    const leaving = new AbortController();
    const first = cache.get('k', slow, leaving.signal);
    const second = cache.get('k', slow, new AbortController().signal);
    await Promise.resolve();
    leaving.abort(new Error('client went away'));
    await expect(first).rejects.toThrow();
    release({ token: 'shared' });
    expect(await second).toBe('shared');
    expect(fetches).toBe(1);
    expect(fetchAborted).toBe(false);
  });
});
