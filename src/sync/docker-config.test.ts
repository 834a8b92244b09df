import { describe, expect, it } from 'vitest';
import {
  decodeDockerConfig,
  encodeDockerConfig,
  sameDockerConfig,
  stableStringify,
} from './docker-config.ts';

/** The obvious definition, to check the allocation-lean one against. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${reference(item)}`).join(',')}}`;
}

describe('stableStringify', () => {
  const manyKeys = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i * 7) % 40}`, i]));
  const cases: { name: string; value: unknown }[] = [
    { name: 'scalars', value: [1, 'a', null, true] },
    { name: 'nested unsorted keys', value: { b: { z: 1, a: [3, { y: 2, x: 1 }] }, a: 'x', A: 1, _: 0 } },
    { name: 'undefined members are skipped', value: { b: undefined, a: 1 } },
    { name: 'more keys than the small-sort path', value: manyKeys },
    {
      name: 'a docker config',
      value: {
        auths: { 'docker.io': { username: 'u', password: 'p', auth: 'dTpw' }, 'a.io': { auth: 'x' } },
      },
    },
  ];
  it.each(cases)('$name', ({ value }) => {
    expect(stableStringify(value)).toBe(reference(value));
  });

  it('equal content encodes to equal bytes whatever the key order', () => {
    const a = { auths: { x: { username: 'u', password: 'p' }, y: { auth: 'z' } } };
    const b = { auths: { y: { auth: 'z' }, x: { password: 'p', username: 'u' } } };
    expect(encodeDockerConfig(a)).toBe(encodeDockerConfig(b));
    expect(sameDockerConfig(decodeDockerConfig(encodeDockerConfig(a)), b)).toBe(true);
  });
});
