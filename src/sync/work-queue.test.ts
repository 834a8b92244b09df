import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import { WorkQueue } from './work-queue.ts';

describe('WorkQueue', () => {
  it('deduplicates queued keys', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('a');
  });

  it('re-queues a key added while it was processed, once', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = await queue.get();
    queue.add('a');
    queue.add('a');
    expect(queue.length).toBe(0);
    queue.done(key ?? '');
    expect(queue.length).toBe(1);
  });

  it('adds after a delay on the injected clock', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue(clock);
    queue.addAfter('a', 1000);
    await clock.advance(999);
    expect(queue.length).toBe(0);
    await clock.advance(1);
    expect(queue.length).toBe(1);
  });

  it('hands undefined to waiting workers on shutdown and reports idle', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    await queue.whenIdle();
  });
});
