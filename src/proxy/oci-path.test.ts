import { describe, expect, it } from 'vitest';
import { OciError } from './oci-error.ts';
import { isRegistryHost, parseOciRequest } from './oci-path.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseOciRequest', () => {
  const accepted: [string, string, Record<string, unknown>][] = [
    ['ping', '/v2/', { kind: 'ping', ns: undefined }],
    ['ping without slash', '/v2', { kind: 'ping' }],
    ['ping with ns', '/v2/?ns=Registry.Example.com:5000', { kind: 'ping', ns: 'registry.example.com:5000' }],
    [
      'manifest by tag',
      '/v2/team/app/manifests/v1.2',
      { kind: 'manifests', name: 'team/app', reference: 'v1.2' },
    ],
    ['manifest by digest', `/v2/app/manifests/${DIGEST}`, { kind: 'manifests', reference: DIGEST }],
    ['blob', `/v2/a/b/c/blobs/${DIGEST}`, { kind: 'blobs', name: 'a/b/c' }],
    ['tags', '/v2/ecr/app/tags/list?n=10&last=v1', { kind: 'tags', forwardQuery: '?n=10&last=v1' }],
    [
      'referrers',
      `/v2/app/referrers/${DIGEST}?artifactType=application%2Fvnd.x%2Bjson`,
      { kind: 'referrers' },
    ],
    [
      'mirror ns',
      '/v2/library/nginx/manifests/latest?ns=docker.io',
      { ns: 'docker.io', name: 'library/nginx' },
    ],
    ['separators', '/v2/a.b_c__d---e/manifests/x', { name: 'a.b_c__d---e' }],
    ['repo named like an endpoint', '/v2/blobs/manifests/latest', { name: 'blobs' }],
  ];
  it.each(accepted)('accepts %s', (_name, target, expected) => {
    expect(parseOciRequest(target)).toMatchObject(expected);
  });

  const refused: [string, string, string][] = [
    ['dot-dot segment', '/v2/a/../b/manifests/x', 'NAME_INVALID'],
    ['dot segment', '/v2/a/./b/manifests/x', 'NAME_INVALID'],
    ['encoded slash', '/v2/a%2Fb/manifests/x', 'NAME_INVALID'],
    ['encoded dots', '/v2/a/%2e%2e/b/manifests/x', 'NAME_INVALID'],
    ['double slash', '/v2/a//b/manifests/x', 'NAME_INVALID'],
    ['backslash', '/v2/a\\b/manifests/x', 'NAME_INVALID'],
    ['upper case repository', '/v2/Team/manifests/x', 'NAME_INVALID'],
    ['leading separator', '/v2/-a/manifests/x', 'NAME_INVALID'],
    ['empty name', '/v2/manifests/x', 'NAME_INVALID'],
    ['name too long', `/v2/${'a'.repeat(256)}/manifests/x`, 'NAME_INVALID'],
    ['bad tag', '/v2/a/manifests/.hidden', 'TAG_INVALID'],
    ['tag too long', `/v2/a/manifests/${'t'.repeat(129)}`, 'TAG_INVALID'],
    ['blob by tag', '/v2/a/blobs/latest', 'DIGEST_INVALID'],
    ['short sha256', `/v2/a/blobs/sha256:${'a'.repeat(63)}`, 'DIGEST_INVALID'],
    ['upper-case sha256', `/v2/a/blobs/sha256:${'A'.repeat(64)}`, 'DIGEST_INVALID'],
    ['header injection in ns', '/v2/a/manifests/x?ns=evil.com%0d%0aX-Injected:%201', 'NAME_INVALID'],
    ['ns with path', '/v2/a/manifests/x?ns=evil.com/path', 'NAME_INVALID'],
    ['ns with userinfo', '/v2/a/manifests/x?ns=user@evil.com', 'NAME_INVALID'],
    ['ns twice', '/v2/a/manifests/x?ns=a.com&ns=b.com', 'NAME_INVALID'],
    ['absolute-form target', 'http://evil.example/v2/a/manifests/x', 'NAME_INVALID'],
    ['upload endpoint', '/v2/a/blobs/uploads/', 'UNSUPPORTED'],
    ['catalog', '/v2/_catalog', 'UNSUPPORTED'],
    ['non-numeric n', '/v2/a/tags/list?n=1;2', 'NAME_INVALID'],
  ];
  it.each(refused)('refuses %s', (_name, target, code) => {
    let caught: unknown;
    try {
      parseOciRequest(target);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OciError);
    expect((caught as OciError).ociCode).toBe(code);
  });
});

describe('isRegistryHost', () => {
  it.each([
    ['gcr.io', true],
    ['127.0.0.1:5000', true],
    ['[::1]:5000', true],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', true],
    ['evil.com/x', false],
    ['a:99999', false],
    ['-a.com', false],
    ['', false],
  ])('%s → %s', (host, ok) => {
    expect(isRegistryHost(host)).toBe(ok);
  });
});
