import { describe, expect, it } from 'vitest';
import { ErrorCode, isRegcredError } from '../../src/core/errors.ts';
import {
  type AuthorizationData,
  decodeAuthorizationData,
  ECR_TOKEN_LIFETIME_MS,
  parseExpiresAt,
} from './token.ts';

const REGISTRY = '111122223333.dkr.ecr.us-east-1.amazonaws.com';
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
/** 2026-11-29T00:00:00Z in epoch seconds. */
const AT = Date.UTC(2026, 10, 29) / 1000;
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('parseExpiresAt', () => {
  it.each<[string, AuthorizationData['expiresAt'], string | undefined]>([
    ['absent', undefined, undefined],
    ['a Date from the SDK', new Date('2026-11-29T00:00:00.000Z'), '2026-11-29T00:00:00.000Z'],
    ['epoch seconds', AT, '2026-11-29T00:00:00.000Z'],
    ['epoch seconds with a fraction', AT + 0.25, '2026-11-29T00:00:00.250Z'],
    ['epoch seconds as a string', `${AT}.5`, '2026-11-29T00:00:00.500Z'],
    ['ISO 8601 with Z', '2026-11-29T00:00:00Z', '2026-11-29T00:00:00.000Z'],
    ['ISO 8601 with an offset and fraction', '2026-11-29T01:00:00.125+01:00', '2026-11-29T00:00:00.125Z'],
  ])('%s', (_name, value, expected) => {
    expect(parseExpiresAt(value, REGISTRY)?.toISOString()).toBe(expected);
  });

  it.each([
    ['garbage', 'next tuesday'],
    ['NaN', Number.NaN],
  ])('%s → ERR_CREDENTIAL_INVALID naming the registry', (_name, value) => {
    let error: unknown;
    try {
      parseExpiresAt(value, REGISTRY);
    } catch (e) {
      error = e;
    }
    expect(isRegcredError(error, ErrorCode.CredentialInvalid)).toBe(true);
    expect(String(error)).toContain(REGISTRY);
  });
});

describe('decodeAuthorizationData', () => {
  it.each([
    ['plain password', b64('AWS:secret-password'), 'AWS', 'secret-password'],
    ['password holding colons (split on the first)', b64('AWS:a:b:c'), 'AWS', 'a:b:c'],
    ['another user name', b64('robot:pw'), 'robot', 'pw'],
  ])('%s', (_name, token, username, password) => {
    const decoded = decodeAuthorizationData(
      { authorizationToken: token, expiresAt: 1_796_000_000 },
      REGISTRY,
      NOW,
    );
    expect(decoded).toEqual({ username, password, expiresAt: new Date(1_796_000_000_000) });
  });

  it('falls back to the 12 h lifetime when the answer has no expiresAt', () => {
    const decoded = decodeAuthorizationData({ authorizationToken: b64('AWS:pw') }, REGISTRY, NOW);
    expect(decoded.expiresAt.getTime()).toBe(NOW + ECR_TOKEN_LIFETIME_MS);
  });

  it.each<[string, AuthorizationData]>([
    ['no token', {}],
    ['empty token', { authorizationToken: '' }],
    ['not base64', { authorizationToken: 'AWS:plain-text!' }],
    ['no colon', { authorizationToken: b64('AWSpassword') }],
    ['empty user', { authorizationToken: b64(':password') }],
    ['empty password', { authorizationToken: b64('AWS:') }],
  ])('%s → ERR_CREDENTIAL_INVALID without the token in the message', (_name, data) => {
    let error: unknown;
    try {
      decodeAuthorizationData(data, REGISTRY, NOW);
    } catch (e) {
      error = e;
    }
    expect(isRegcredError(error, ErrorCode.CredentialInvalid)).toBe(true);
    expect(String(error)).toContain(REGISTRY);
    if (data.authorizationToken) expect(String(error)).not.toContain(data.authorizationToken);
  });
});
