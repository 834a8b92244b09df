import { describe, expect, it } from 'vitest';
import { backoffMs, isRotation, nextRefreshAt, type RefreshTiming } from './refresh-schedule.ts';

const HOUR = 3_600_000;
const timing: RefreshTiming = {
  fraction: 0.5,
  jitter: 0.1,
  marginMs: 5 * 60_000,
  longLivedMs: 10 * 60_000,
  initialBackoffMs: 5_000,
  maxBackoffMs: 300_000,
};
const t0 = Date.UTC(2026, 0, 1);

describe('nextRefreshAt', () => {
  const cases: { name: string; lifetime: number | null; random: number; now?: number; expected: number }[] = [
    {
      name: 'ECR 12 h token, no jitter draw → 6 h',
      lifetime: 12 * HOUR,
      random: 0.5,
      expected: t0 + 6 * HOUR,
    },
    { name: 'jitter low end → 5.4 h', lifetime: 12 * HOUR, random: 0, expected: t0 + 5.4 * HOUR },
    { name: 'jitter high end → 6.6 h', lifetime: 12 * HOUR, random: 1, expected: t0 + 6.6 * HOUR },
    { name: 'Google 1 h token → 30 min', lifetime: HOUR, random: 0.5, expected: t0 + 0.5 * HOUR },
    { name: 'short token capped by margin', lifetime: 8 * 60_000, random: 1, expected: t0 + 3 * 60_000 },
    { name: 'nearly expired → not before now + 1 s', lifetime: 60_000, random: 0.5, expected: t0 + 1_000 },
    { name: 'long-lived → re-read period', lifetime: null, random: 0.5, expected: t0 + 10 * 60_000 },
    {
      name: 'refresh time already past → now + 1 s',
      lifetime: 12 * HOUR,
      random: 0.5,
      now: t0 + 7 * HOUR,
      expected: t0 + 7 * HOUR + 1_000,
    },
  ];
  it.each(cases)('$name', ({ lifetime, random, now, expected }) => {
    const credential = { expiresAt: lifetime === null ? null : new Date(t0 + lifetime) };
    expect(nextRefreshAt(credential, t0, now ?? t0, timing, () => random)).toBeCloseTo(expected, -1);
  });
});

describe('backoffMs', () => {
  const cases = [
    { name: 'first attempt, min draw', attempt: 1, random: 0, expected: 2_500 },
    { name: 'first attempt, max draw', attempt: 1, random: 1, expected: 5_000 },
    { name: 'third attempt doubles twice', attempt: 3, random: 1, expected: 20_000 },
    { name: 'capped', attempt: 30, random: 1, expected: 300_000 },
  ];
  it.each(cases)('$name', ({ attempt, random, expected }) => {
    expect(backoffMs(attempt, timing, () => random)).toBe(expected);
  });
});

describe('isRotation', () => {
  const base = { username: 'u', password: 'p', expiresAt: new Date(t0), hosts: ['h'] };
  const cases = [
    { name: 'first credential', previous: undefined, next: base, expected: true },
    { name: 'same', previous: base, next: { ...base, expiresAt: new Date(t0) }, expected: false },
    { name: 'new password', previous: base, next: { ...base, password: 'q' }, expected: true },
    { name: 'new expiry', previous: base, next: { ...base, expiresAt: new Date(t0 + 1) }, expected: true },
  ];
  it.each(cases)('$name', ({ previous, next, expected }) => {
    expect(isRotation(previous, next)).toBe(expected);
  });
});
