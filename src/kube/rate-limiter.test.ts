import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter', () => {
  it('lets a burst through, then spaces calls at 1/qps', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ qps: 10, burst: 3, concurrency: 10, clock });
    expect([limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 0, 0]);
    expect(limiter.reserve()).toBeCloseTo(100);
    expect(limiter.reserve()).toBeCloseTo(200);
  });

  it('refills with time', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ qps: 10, burst: 1, concurrency: 10, clock });
    expect(limiter.reserve()).toBe(0);
    await clock.advance(100);
    expect(limiter.reserve()).toBeCloseTo(0);
  });

  it('never runs more than `concurrency` calls at once', async () => {
    const limiter = new RateLimiter({ qps: 1e9, burst: 1e9, concurrency: 2 });
    let active = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const calls = Array.from({ length: 5 }, () =>
      limiter.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => release.push(resolve));
        active--;
      }),
    );
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      release.shift()?.();
    }
    await Promise.all(calls);
    expect(peak).toBe(2);
  });

  it('gives up waiting when aborted', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ qps: 1, burst: 1, concurrency: 1, clock });
    limiter.reserve();
    const controller = new AbortController();
    const pending = limiter.run(async () => 'ran', controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
