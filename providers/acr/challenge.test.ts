import { describe, expect, it } from 'vitest';
import { ErrorCode, isRegcredError } from '../../src/core/errors.ts';
import { type AuthChallenge, bearerChallenge, parseWwwAuthenticate } from './challenge.ts';

const REGISTRY = 'myregistry.azurecr.io';

describe('parseWwwAuthenticate', () => {
  const valid: { name: string; header: string; expected: AuthChallenge[] }[] = [
    {
      name: 'ACR challenge',
      header: 'Bearer realm="https://myregistry.azurecr.io/oauth2/token",service="myregistry.azurecr.io"',
      expected: [
        {
          scheme: 'bearer',
          params: { realm: 'https://myregistry.azurecr.io/oauth2/token', service: 'myregistry.azurecr.io' },
        },
      ],
    },
    {
      name: 'case-insensitive scheme and keys',
      header: 'BEARER Realm="https://r/t", SERVICE="s"',
      expected: [{ scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } }],
    },
    {
      name: 'backslash escapes in quoted strings',
      header: String.raw`Bearer realm="https://r/t",error_description="say \"hi\" \\ bye"`,
      expected: [
        { scheme: 'bearer', params: { realm: 'https://r/t', error_description: 'say "hi" \\ bye' } },
      ],
    },
    {
      name: 'commas and equals signs inside quotes',
      header: 'Bearer realm="https://r/t?a=1,b=2",scope="repository:a:pull,push repository:b:pull"',
      expected: [
        {
          scheme: 'bearer',
          params: { realm: 'https://r/t?a=1,b=2', scope: 'repository:a:pull,push repository:b:pull' },
        },
      ],
    },
    {
      name: 'unquoted token values and spaces around =',
      header: 'Bearer realm = "https://r/t" , service=registry.example',
      expected: [{ scheme: 'bearer', params: { realm: 'https://r/t', service: 'registry.example' } }],
    },
    {
      name: 'two challenges in one header',
      header: 'Basic realm="basic", Bearer realm="https://r/t",service="s"',
      expected: [
        { scheme: 'basic', params: { realm: 'basic' } },
        { scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } },
      ],
    },
    {
      name: 'a scheme without parameters, then another',
      header: 'Negotiate, Bearer realm="https://r/t"',
      expected: [
        { scheme: 'negotiate', params: {} },
        { scheme: 'bearer', params: { realm: 'https://r/t' } },
      ],
    },
    {
      name: 'token68',
      header: 'Negotiate YIIBhwYGKwYBBQUCoIIB==',
      expected: [{ scheme: 'negotiate', params: {}, token68: 'YIIBhwYGKwYBBQUCoIIB==' }],
    },
    {
      name: 'empty quoted value',
      header: 'Bearer realm="https://r/t",service=""',
      expected: [{ scheme: 'bearer', params: { realm: 'https://r/t', service: '' } }],
    },
  ];
  it.each(valid)('parses: $name', ({ header, expected }) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });

  const invalid: { name: string; header: string; reason: RegExp }[] = [
    { name: 'empty header', header: '   ', reason: /no challenge/ },
    { name: 'unterminated quote', header: 'Bearer realm="https://r/t', reason: /unterminated/ },
    { name: 'trailing backslash in quote', header: 'Bearer realm="abc\\', reason: /unterminated/ },
    { name: 'parameter without value', header: 'Bearer realm=,service="s"', reason: /malformed/ },
    { name: 'parameter without value at the end', header: 'Bearer realm="a", service=', reason: /no value/ },
    { name: 'duplicate parameter', header: 'Bearer realm="a",Realm="b"', reason: /appears twice/ },
    { name: 'junk after a value', header: 'Bearer realm="a" service="b"', reason: /expected a comma/ },
    { name: 'line break in a quoted string', header: 'Bearer realm="a\nb"', reason: /line break/ },
    { name: 'starts with a non-token', header: '"Bearer"', reason: /expected an auth scheme/ },
  ];
  it.each(invalid)('rejects: $name', ({ header, reason }) => {
    try {
      parseWwwAuthenticate(header);
      expect.unreachable();
    } catch (error) {
      expect(isRegcredError(error, ErrorCode.CredentialInvalid)).toBe(true);
      expect((error as Error).message).toMatch(reason);
    }
  });
});

describe('bearerChallenge', () => {
  it.each([
    {
      name: 'ACR',
      header: 'Bearer realm="https://myregistry.azurecr.io/oauth2/token",service="myregistry.azurecr.io"',
      realm: 'https://myregistry.azurecr.io/oauth2/token',
      service: 'myregistry.azurecr.io',
    },
    {
      name: 'Bearer after Basic',
      header: 'Basic realm="x", Bearer realm="https://myregistry.azurecr.io/oauth2/token"',
      realm: 'https://myregistry.azurecr.io/oauth2/token',
      service: undefined,
    },
  ])('finds the Bearer challenge: $name', ({ header, realm, service }) => {
    const challenge = bearerChallenge(header, REGISTRY);
    expect(challenge.realm.href).toBe(realm);
    expect(challenge.service).toBe(service);
  });

  it.each([
    {
      name: 'Basic scheme only',
      header: 'Basic realm="Registry Realm"',
      message: /asks for basic authentication/,
    },
    { name: 'missing realm', header: 'Bearer service="myregistry.azurecr.io"', message: /has no realm/ },
    { name: 'empty realm', header: 'Bearer realm=""', message: /has no realm/ },
    { name: 'realm not a URL', header: 'Bearer realm="oauth2/token"', message: /not a URL/ },
    {
      name: 'plain http realm',
      header: 'Bearer realm="http://myregistry.azurecr.io/oauth2/token"',
      message: /not https/,
    },
    { name: 'malformed header', header: 'Bearer realm="x', message: /malformed/ },
  ])('refuses: $name', ({ header, message }) => {
    expect(() => bearerChallenge(header, REGISTRY)).toThrow(message);
  });
});
