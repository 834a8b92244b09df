import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './www-authenticate.ts';

const flat = (header: string) =>
  parseWwwAuthenticate(header)?.map((c) => ({ scheme: c.scheme, params: Object.fromEntries(c.params) }));

describe('parseWwwAuthenticate', () => {
  const cases: [string, string, unknown][] = [
    [
      'bearer with quoted params',
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.example/token',
            service: 'registry.example',
            scope: 'repository:a/b:pull',
          },
        },
      ],
    ],
    ['basic', 'Basic realm="basic-realm"', [{ scheme: 'basic', params: { realm: 'basic-realm' } }]],
    ['case-insensitive scheme and keys', 'BEARER Realm="r"', [{ scheme: 'bearer', params: { realm: 'r' } }]],
    [
      'escapes in quoted string',
      'Bearer realm="a\\"b\\\\c"',
      [{ scheme: 'bearer', params: { realm: 'a"b\\c' } }],
    ],
    [
      'token value',
      'Bearer realm=simple, service=svc',
      [{ scheme: 'bearer', params: { realm: 'simple', service: 'svc' } }],
    ],
    [
      'scope with port',
      'Bearer realm="r",scope="repository:localhost:5000/a:pull"',
      [{ scheme: 'bearer', params: { realm: 'r', scope: 'repository:localhost:5000/a:pull' } }],
    ],
    [
      'two challenges',
      'Basic realm="x", Bearer realm="y",service="z"',
      [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'bearer', params: { realm: 'y', service: 'z' } },
      ],
    ],
    ['bare scheme', 'Basic', [{ scheme: 'basic', params: {} }]],
    ['unterminated quote', 'Bearer realm="abc', undefined],
    ['duplicate parameter', 'Bearer realm="a",realm="b"', undefined],
    ['garbage after value', 'Bearer realm="a" junk', undefined],
    ['token68', 'Basic dXNlcjpwYXNz', undefined],
    ['empty', '', undefined],
    ['control character', 'Bearer realm="a\u0001b"', undefined],
    ['missing value', 'Bearer realm=', undefined],
  ];
  it.each(cases)('%s', (_name, header, expected) => {
    expect(flat(header)).toEqual(expected);
  });
});
