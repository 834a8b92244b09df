import { describe, expect, it } from 'vitest';
import { FALLBACK_LIFETIME_MS, jwtExpiry } from './jwt-expiry.ts';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jwt = (payload: unknown) => `${b64({ alg: 'RS256' })}.${b64(payload)}.c2ln`;

describe('jwtExpiry', () => {
  it.each([
    { name: '3 hours', exp: NOW / 1000 + 3 * 3600 },
    { name: '75 minutes', exp: NOW / 1000 + 75 * 60 },
    { name: 'fractional seconds are floored', exp: NOW / 1000 + 60.9, expected: NOW + 60_000 },
  ])('reads exp: $name', ({ exp, expected }) => {
    const result = jwtExpiry(jwt({ exp, iat: NOW / 1000 }), NOW);
    expect(result.kind).toBe('exp');
    expect(result.expiresAt.getTime()).toBe(expected ?? exp * 1000);
  });

  it.each([
    { name: 'no exp claim', token: jwt({ iat: 1 }), reason: /no numeric exp/ },
    { name: 'exp as a string', token: jwt({ exp: '1900000000' }), reason: /no numeric exp/ },
    { name: 'exp in milliseconds', token: jwt({ exp: NOW + 3_600_000 }), reason: /out of range/ },
    { name: 'negative exp', token: jwt({ exp: -5 }), reason: /out of range/ },
    { name: 'not a JWT', token: 'opaque-refresh-token', reason: /not a JWT/ },
    { name: 'four segments', token: 'a.b.c.d', reason: /not a JWT/ },
    { name: 'payload not base64url', token: 'a.b+c/.d', reason: /not base64url/ },
    { name: 'payload not JSON', token: `a.${b64('not json')}.c`, reason: /not JSON/ },
    { name: 'payload an array', token: `a.${b64([1, 2])}.c`, reason: /not an object/ },
    { name: 'payload null', token: `a.${b64('null')}.c`, reason: /not an object/ },
    { name: 'huge payload', token: `a.${'A'.repeat(20_000)}.c`, reason: /not base64url/ },
  ])('falls back conservatively: $name', ({ token, reason }) => {
    const result = jwtExpiry(token, NOW);
    expect(result.kind).toBe('fallback');
    expect(result.expiresAt.getTime()).toBe(NOW + FALLBACK_LIFETIME_MS);
    if (result.kind === 'fallback') expect(result.reason).toMatch(reason);
  });

  it('the fallback is shorter than the shortest lifetime ACR issues', () => {
    expect(FALLBACK_LIFETIME_MS).toBeLessThan(75 * 60 * 1000);
  });
});
