import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from '../core/errors.ts';
import { Informer } from './informer.ts';
import type { ObjectList, WatchEvent } from './types.ts';

type Obj = { metadata: { name: string; resourceVersion: string } };
const obj = (name: string, rv: string): Obj => ({ metadata: { name, resourceVersion: rv } });

describe('Informer', () => {
  it('lists, applies watch events, relists after 410 and reports what was deleted meanwhile', async () => {
    const lists: ObjectList<Obj>[] = [
      { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '2' },
      { items: [obj('a', '1'), obj('c', '9')], resourceVersion: '9' },
    ];
    const watches: ((onEvent: (e: WatchEvent<Obj>) => void, rv: string) => Promise<void>)[] = [
      async (onEvent, rv) => {
        expect(rv).toBe('2');
        onEvent({ type: 'MODIFIED', object: obj('a', '3') });
        onEvent({ type: 'BOOKMARK', object: obj('', '4') });
        throw new RegcredError(ErrorCode.KubeApi, 'gone', { details: { status: 410 } });
      },
    ];
    const seen: string[] = [];
    const stop = new AbortController();
    const informer = new Informer<Obj>({
      name: 'test',
      list: async () => {
        const next = lists.shift();
        if (!next) throw new Error('no more lists');
        return next;
      },
      watch: async (rv, onEvent, signal) => {
        const next = watches.shift();
        if (next) return next(onEvent, rv);
        expect(rv).toBe('9');
        stop.abort();
        expect(signal.aborted).toBe(true);
      },
      convert: (raw) => raw as Obj,
      handlers: {
        onAdd: (o) => seen.push(`add ${o.metadata.name}`),
        onUpdate: (o) => seen.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
        onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
      },
      initialBackoffMs: 1,
    });
    await informer.run(stop.signal);
    expect(seen).toEqual(['add a', 'add b', 'update a@3', 'update a@1', 'add c', 'delete b']);
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(informer.relists).toBe(2);
  });

  it('does not report the watch echo of a write it already recorded with upsert', async () => {
    const stop = new AbortController();
    const seen: string[] = [];
    let informer: Informer<Obj> | undefined;
    informer = new Informer<Obj>({
      name: 'test',
      list: async () => ({ items: [obj('a', '1')], resourceVersion: '1' }),
      watch: async (_rv, onEvent) => {
        // The controller wrote `a` (rv 2) and recorded the answer; then the watch delivers that write.
        informer?.upsert(obj('a', '2'));
        onEvent({ type: 'MODIFIED', object: obj('a', '2') });
        onEvent({ type: 'MODIFIED', object: obj('a', '3') });
        stop.abort();
      },
      convert: (raw) => raw as Obj,
      handlers: {
        onAdd: (o) => seen.push(`add ${o.metadata.name}`),
        onUpdate: (o) => seen.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
      },
      initialBackoffMs: 1,
    });
    await informer.run(stop.signal);
    expect(seen).toEqual(['add a', 'update a@3']);
  });
});
