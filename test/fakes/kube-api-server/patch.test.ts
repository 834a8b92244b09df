import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.ts';
import { ApiError } from './status.ts';

describe('mergePatch (RFC 7386 examples)', () => {
  const cases = [
    { target: { a: 'b' }, patch: { a: 'c' }, result: { a: 'c' } },
    { target: { a: 'b' }, patch: { b: 'c' }, result: { a: 'b', b: 'c' } },
    { target: { a: 'b' }, patch: { a: null }, result: {} },
    { target: { a: 'b', b: 'c' }, patch: { a: null }, result: { b: 'c' } },
    { target: { a: ['b'] }, patch: { a: 'c' }, result: { a: 'c' } },
    { target: { a: 'c' }, patch: { a: ['b'] }, result: { a: ['b'] } },
    { target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, result: { a: { b: 'd' } } },
    { target: { a: [{ b: 'c' }] }, patch: { a: [1] }, result: { a: [1] } },
    { target: ['a', 'b'], patch: ['c', 'd'], result: ['c', 'd'] },
    { target: { a: 'b' }, patch: ['c'], result: ['c'] },
    { target: { e: null }, patch: { a: 1 }, result: { e: null, a: 1 } },
    { target: {}, patch: { a: { bb: { ccc: null } } }, result: { a: { bb: {} } } },
  ];
  it.each(cases)('$target + $patch', ({ target, patch, result }) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });
});

describe('strategicMergePatch', () => {
  const cases: { name: string; kind: string; target: unknown; patch: unknown; result: unknown }[] = [
    {
      name: 'ServiceAccount.imagePullSecrets is replaced (no patch strategy)',
      kind: 'ServiceAccount',
      target: { imagePullSecrets: [{ name: 'a' }] },
      patch: { imagePullSecrets: [{ name: 'b' }] },
      result: { imagePullSecrets: [{ name: 'b' }] },
    },
    {
      name: 'ServiceAccount.secrets merges by name',
      kind: 'ServiceAccount',
      target: { secrets: [{ name: 'a' }, { name: 'b', namespace: 'x' }] },
      patch: { secrets: [{ name: 'b', namespace: 'y' }, { name: 'c' }] },
      result: { secrets: [{ name: 'a' }, { name: 'b', namespace: 'y' }, { name: 'c' }] },
    },
    {
      name: '$patch: delete removes a keyed item',
      kind: 'ServiceAccount',
      target: { secrets: [{ name: 'a' }, { name: 'b' }] },
      patch: { secrets: [{ name: 'a', $patch: 'delete' }] },
      result: { secrets: [{ name: 'b' }] },
    },
    {
      name: '$patch: replace on a keyed list',
      kind: 'ServiceAccount',
      target: { secrets: [{ name: 'a' }] },
      patch: { secrets: [{ $patch: 'replace' }, { name: 'z' }] },
      result: { secrets: [{ name: 'z' }] },
    },
    {
      name: 'metadata.finalizers is a merged primitive list; $deleteFromPrimitiveList removes',
      kind: 'Secret',
      target: { metadata: { finalizers: ['a', 'b'] } },
      patch: { metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
      result: { metadata: { finalizers: ['b', 'c'] } },
    },
    {
      name: 'maps merge and null deletes',
      kind: 'Secret',
      target: { data: { a: '1', b: '2' }, metadata: { labels: { x: 'y' } } },
      patch: { data: { a: null, c: '3' }, metadata: { labels: { z: 'w' } } },
      result: { data: { b: '2', c: '3' }, metadata: { labels: { x: 'y', z: 'w' } } },
    },
    {
      name: '$patch: replace on a map',
      kind: 'Secret',
      target: { data: { a: '1', b: '2' } },
      patch: { data: { $patch: 'replace', c: '3' } },
      result: { data: { c: '3' } },
    },
    {
      name: '$retainKeys keeps only the listed keys',
      kind: 'Secret',
      target: { data: { a: '1', b: '2' } },
      patch: { data: { $retainKeys: ['a', 'c'], c: '3' } },
      result: { data: { a: '1', c: '3' } },
    },
    {
      name: '$setElementOrder is accepted and ignored',
      kind: 'ServiceAccount',
      target: { secrets: [{ name: 'a' }] },
      patch: { '$setElementOrder/secrets': [{ name: 'a' }], secrets: [{ name: 'a', x: 1 }] },
      result: { secrets: [{ name: 'a', x: 1 }] },
    },
  ];
  it.each(cases)('$name', ({ kind, target, patch, result }) => {
    expect(strategicMergePatch(kind, target, patch)).toEqual(result);
  });

  it('rejects a keyed-list item without its merge key (422)', () => {
    expect(() => strategicMergePatch('ServiceAccount', {}, { secrets: [{ namespace: 'x' }] })).toThrow(
      ApiError,
    );
  });
});

describe('jsonPatch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2] }, 'c/d': 'e', f: '~' };
  const cases = [
    { ops: [{ op: 'add', path: '/a/b/-', value: 3 }], result: { ...doc, a: { b: [1, 2, 3] } } },
    { ops: [{ op: 'add', path: '/a/b/0', value: 0 }], result: { ...doc, a: { b: [0, 1, 2] } } },
    { ops: [{ op: 'remove', path: '/c~1d' }], result: { a: { b: [1, 2] }, f: '~' } },
    { ops: [{ op: 'replace', path: '/f', value: 'x' }], result: { ...doc, f: 'x' } },
    { ops: [{ op: 'move', from: '/f', path: '/g' }], result: { a: { b: [1, 2] }, 'c/d': 'e', g: '~' } },
    { ops: [{ op: 'copy', from: '/a/b/1', path: '/h' }], result: { ...doc, h: 2 } },
    { ops: [{ op: 'test', path: '/a', value: { b: [1, 2] } }], result: doc },
  ];
  it.each(cases)('$ops', ({ ops, result }) => {
    expect(jsonPatch(doc, ops)).toEqual(result);
  });

  const failures = [
    { name: 'failed test', ops: [{ op: 'test', path: '/f', value: 'nope' }], code: 422 },
    { name: 'missing path', ops: [{ op: 'replace', path: '/zz', value: 1 }], code: 422 },
    { name: 'index out of range', ops: [{ op: 'add', path: '/a/b/9', value: 1 }], code: 422 },
    { name: 'unknown op', ops: [{ op: 'frob', path: '/a' }], code: 400 },
    { name: 'not a list', ops: { op: 'add' }, code: 400 },
  ];
  it.each(failures)('$name → $code', ({ ops, code }) => {
    try {
      jsonPatch(doc, ops);
      expect.unreachable();
    } catch (err) {
      expect((err as ApiError).code).toBe(code);
    }
  });

  it('does not modify its input', () => {
    const input = structuredClone(doc);
    jsonPatch(input, [{ op: 'remove', path: '/a/b/0' }]);
    expect(input).toEqual(doc);
  });
});
