import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import { metadataBaseUrl, parseMetadataToken } from './metadata-client.ts';

const now = Date.UTC(2026, 10, 28, 14, 0, 0);

describe('parseMetadataToken (expiry from expires_in, the remaining life)', () => {
  const good: { name: string; body: unknown; expiry: number }[] = [
    {
      name: 'fresh token',
      body: { access_token: 'ya29.a', expires_in: 3599, token_type: 'Bearer' },
      expiry: now + 3_599_000,
    },
    {
      name: 'cached token with little life left',
      body: { access_token: 'ya29.a', expires_in: 61 },
      expiry: now + 61_000,
    },
    {
      name: 'expires_in as a string',
      body: { access_token: 'ya29.a', expires_in: '1800' },
      expiry: now + 1_800_000,
    },
    { name: 'a JSON text body', body: '{"access_token":"ya29.a","expires_in":10}', expiry: now + 10_000 },
  ];
  for (const { name, body, expiry } of good) {
    it(name, () => {
      expect(parseMetadataToken(body, now)).toMatchObject({ access_token: 'ya29.a', expiry_date: expiry });
    });
  }

  const bad: { name: string; body: unknown; message: RegExp }[] = [
    { name: 'not JSON', body: '<html>captive portal</html>', message: /not JSON/ },
    { name: 'no access_token', body: { expires_in: 3599 }, message: /without access_token/ },
    { name: 'no expires_in', body: { access_token: 'ya29.a' }, message: /positive expires_in/ },
    { name: 'expires_in 0', body: { access_token: 'ya29.a', expires_in: 0 }, message: /positive expires_in/ },
    {
      name: 'expires_in garbage',
      body: { access_token: 'ya29.a', expires_in: 'soon' },
      message: /positive expires_in/,
    },
  ];
  for (const { name, body, message } of bad) {
    it(`rejects ${name} with ERR_CREDENTIAL_INVALID`, () => {
      expect(() => parseMetadataToken(body, now)).toThrow(
        expect.objectContaining({
          code: ErrorCode.CredentialInvalid,
          message: expect.stringMatching(message),
        }),
      );
    });
  }
});

describe('metadataBaseUrl', () => {
  const cases = [
    { input: '169.254.169.254', url: 'http://169.254.169.254' },
    { input: '127.0.0.1:8080', url: 'http://127.0.0.1:8080' },
    { input: 'http://metadata.google.internal/', url: 'http://metadata.google.internal' },
  ];
  for (const { input, url } of cases) {
    it(`${input} → ${url}`, () => expect(metadataBaseUrl(input)).toBe(url));
  }
});
