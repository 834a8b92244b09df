import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  const cases: [string, number | undefined][] = [
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['0', 0],
    [' 10s ', 10_000],
    ['', undefined],
    ['10', undefined],
    ['5 minutes', undefined],
    ['-5m', undefined],
    ['1d', undefined],
    ['m5', undefined],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want}`, () => expect(parseDuration(input)).toBe(want));
  }
});

describe('formatGoDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m0s'],
    [(5 * 3600 + 59 * 60) * 1000, '5h59m0s'],
    [12 * 3_600_000, '12h0m0s'],
  ];
  for (const [ms, want] of cases) it(`${ms} ms → ${want}`, () => expect(formatGoDuration(ms)).toBe(want));
});
