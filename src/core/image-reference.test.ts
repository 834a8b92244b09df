import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from './errors.ts';
import {
  familiarName,
  formatReference,
  type ImageReference,
  isIPv6,
  parseImageReference,
} from './image-reference.ts';

const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA512 = 'a'.repeat(128);

interface ValidCase {
  readonly input: string;
  readonly registry: string;
  readonly repository: string;
  readonly tag: string | null;
  readonly digest?: string;
  readonly reference: string;
  readonly familiar: string;
}

const valid: [string, ValidCase][] = [
  [
    'official image',
    {
      input: 'nginx',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: 'latest',
      reference: 'docker.io/library/nginx:latest',
      familiar: 'nginx:latest',
    },
  ],
  [
    'official image with tag',
    {
      input: 'nginx:1.25-alpine',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: '1.25-alpine',
      reference: 'docker.io/library/nginx:1.25-alpine',
      familiar: 'nginx:1.25-alpine',
    },
  ],
  [
    'user image on Docker Hub',
    {
      input: 'bitnami/redis',
      registry: 'docker.io',
      repository: 'bitnami/redis',
      tag: 'latest',
      reference: 'docker.io/bitnami/redis:latest',
      familiar: 'bitnami/redis:latest',
    },
  ],
  [
    'explicit docker.io gets library/',
    {
      input: 'docker.io/nginx',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: 'latest',
      reference: 'docker.io/library/nginx:latest',
      familiar: 'nginx:latest',
    },
  ],
  [
    'index.docker.io becomes docker.io',
    {
      input: 'index.docker.io/library/nginx:1',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: '1',
      reference: 'docker.io/library/nginx:1',
      familiar: 'nginx:1',
    },
  ],
  [
    'index.docker.io one component',
    {
      input: 'index.docker.io/busybox',
      registry: 'docker.io',
      repository: 'library/busybox',
      tag: 'latest',
      reference: 'docker.io/library/busybox:latest',
      familiar: 'busybox:latest',
    },
  ],
  [
    'library prefix with deeper path stays',
    {
      input: 'library/team/app',
      registry: 'docker.io',
      repository: 'library/team/app',
      tag: 'latest',
      reference: 'docker.io/library/team/app:latest',
      familiar: 'library/team/app:latest',
    },
  ],
  [
    'localhost is a domain',
    {
      input: 'localhost/app',
      registry: 'localhost',
      repository: 'app',
      tag: 'latest',
      reference: 'localhost/app:latest',
      familiar: 'localhost/app:latest',
    },
  ],
  [
    'localhost with port',
    {
      input: 'localhost:5000/team/app:v2',
      registry: 'localhost:5000',
      repository: 'team/app',
      tag: 'v2',
      reference: 'localhost:5000/team/app:v2',
      familiar: 'localhost:5000/team/app:v2',
    },
  ],
  [
    'bare localhost:5000 is a Docker Hub name with a tag',
    {
      input: 'localhost:5000',
      registry: 'docker.io',
      repository: 'library/localhost',
      tag: '5000',
      reference: 'docker.io/library/localhost:5000',
      familiar: 'localhost:5000',
    },
  ],
  [
    'domain with a dot',
    {
      input: 'gcr.io/project/app:1.0',
      registry: 'gcr.io',
      repository: 'project/app',
      tag: '1.0',
      reference: 'gcr.io/project/app:1.0',
      familiar: 'gcr.io/project/app:1.0',
    },
  ],
  [
    'single-label domain with port',
    {
      input: 'registry:5000/app',
      registry: 'registry:5000',
      repository: 'app',
      tag: 'latest',
      reference: 'registry:5000/app:latest',
      familiar: 'registry:5000/app:latest',
    },
  ],
  [
    'first component without dot is a path',
    {
      input: 'registry/app',
      registry: 'docker.io',
      repository: 'registry/app',
      tag: 'latest',
      reference: 'docker.io/registry/app:latest',
      familiar: 'registry/app:latest',
    },
  ],
  [
    'upper-case first component is a domain',
    {
      input: 'Foo/bar',
      registry: 'Foo',
      repository: 'bar',
      tag: 'latest',
      reference: 'Foo/bar:latest',
      familiar: 'Foo/bar:latest',
    },
  ],
  [
    'upper-case DNS domain kept as written',
    {
      input: 'Registry.Example.COM:443/app',
      registry: 'Registry.Example.COM:443',
      repository: 'app',
      tag: 'latest',
      reference: 'Registry.Example.COM:443/app:latest',
      familiar: 'Registry.Example.COM:443/app:latest',
    },
  ],
  [
    'IPv4 with port',
    {
      input: '127.0.0.1:5000/foo/bar:1',
      registry: '127.0.0.1:5000',
      repository: 'foo/bar',
      tag: '1',
      reference: '127.0.0.1:5000/foo/bar:1',
      familiar: '127.0.0.1:5000/foo/bar:1',
    },
  ],
  [
    'IPv6 loopback',
    {
      input: '[::1]/app',
      registry: '[::1]',
      repository: 'app',
      tag: 'latest',
      reference: '[::1]/app:latest',
      familiar: '[::1]/app:latest',
    },
  ],
  [
    'IPv6 with port and tag',
    {
      input: '[2001:db8::1]:5000/team/app:v1',
      registry: '[2001:db8::1]:5000',
      repository: 'team/app',
      tag: 'v1',
      reference: '[2001:db8::1]:5000/team/app:v1',
      familiar: '[2001:db8::1]:5000/team/app:v1',
    },
  ],
  [
    'IPv6 full form',
    {
      input: '[fe80:0:0:0:0:0:0:1]:443/app',
      registry: '[fe80:0:0:0:0:0:0:1]:443',
      repository: 'app',
      tag: 'latest',
      reference: '[fe80:0:0:0:0:0:0:1]:443/app:latest',
      familiar: '[fe80:0:0:0:0:0:0:1]:443/app:latest',
    },
  ],
  [
    'digest only: tag is null',
    {
      input: `nginx@sha256:${SHA}`,
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: null,
      digest: `sha256:${SHA}`,
      reference: `docker.io/library/nginx@sha256:${SHA}`,
      familiar: `nginx@sha256:${SHA}`,
    },
  ],
  [
    'tag and digest: both kept, digest wins',
    {
      input: `gcr.io/p/app:1.2@sha256:${SHA}`,
      registry: 'gcr.io',
      repository: 'p/app',
      tag: '1.2',
      digest: `sha256:${SHA}`,
      reference: `gcr.io/p/app@sha256:${SHA}`,
      familiar: `gcr.io/p/app@sha256:${SHA}`,
    },
  ],
  [
    'sha512 digest',
    {
      input: `app@sha512:${SHA512}`,
      registry: 'docker.io',
      repository: 'library/app',
      tag: null,
      digest: `sha512:${SHA512}`,
      reference: `docker.io/library/app@sha512:${SHA512}`,
      familiar: `app@sha512:${SHA512}`,
    },
  ],
  [
    'other algorithm with 32 upper-case hex',
    {
      input: `app@multihash+base58.v1:${'ABCDEF0123456789'.repeat(2)}`,
      registry: 'docker.io',
      repository: 'library/app',
      tag: null,
      digest: `multihash+base58.v1:${'ABCDEF0123456789'.repeat(2)}`,
      reference: `docker.io/library/app@multihash+base58.v1:${'ABCDEF0123456789'.repeat(2)}`,
      familiar: `app@multihash+base58.v1:${'ABCDEF0123456789'.repeat(2)}`,
    },
  ],
  [
    'separators in path components',
    {
      input: 'quay.io/my.org/my_app__x---y/a.b_c',
      registry: 'quay.io',
      repository: 'my.org/my_app__x---y/a.b_c',
      tag: 'latest',
      reference: 'quay.io/my.org/my_app__x---y/a.b_c:latest',
      familiar: 'quay.io/my.org/my_app__x---y/a.b_c:latest',
    },
  ],
  [
    'tag with every allowed character',
    {
      input: 'app:_Tag.v1-RC_2',
      registry: 'docker.io',
      repository: 'library/app',
      tag: '_Tag.v1-RC_2',
      reference: 'docker.io/library/app:_Tag.v1-RC_2',
      familiar: 'app:_Tag.v1-RC_2',
    },
  ],
  [
    'tag of exactly 128 characters',
    {
      input: `app:${'t'.repeat(128)}`,
      registry: 'docker.io',
      repository: 'library/app',
      tag: 't'.repeat(128),
      reference: `docker.io/library/app:${'t'.repeat(128)}`,
      familiar: `app:${'t'.repeat(128)}`,
    },
  ],
  [
    'path of exactly 255 characters (library/ counts)',
    {
      input: 'a'.repeat(247),
      registry: 'docker.io',
      repository: `library/${'a'.repeat(247)}`,
      tag: 'latest',
      reference: `docker.io/library/${'a'.repeat(247)}:latest`,
      familiar: `${'a'.repeat(247)}:latest`,
    },
  ],
  [
    'path of 255 characters on another registry',
    {
      input: `example.com/${'b'.repeat(255)}`,
      registry: 'example.com',
      repository: 'b'.repeat(255),
      tag: 'latest',
      reference: `example.com/${'b'.repeat(255)}:latest`,
      familiar: `example.com/${'b'.repeat(255)}:latest`,
    },
  ],
  [
    '63-hex name is a name',
    {
      input: 'a'.repeat(63),
      registry: 'docker.io',
      repository: `library/${'a'.repeat(63)}`,
      tag: 'latest',
      reference: `docker.io/library/${'a'.repeat(63)}:latest`,
      familiar: `${'a'.repeat(63)}:latest`,
    },
  ],
  [
    'upper-case tag is allowed',
    {
      input: 'nginx:Latest',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: 'Latest',
      reference: 'docker.io/library/nginx:Latest',
      familiar: 'nginx:Latest',
    },
  ],
  [
    'sha384 digest',
    {
      input: `quay.io/a/b@sha384:${'0'.repeat(96)}`,
      registry: 'quay.io',
      repository: 'a/b',
      tag: null,
      digest: `sha384:${'0'.repeat(96)}`,
      reference: `quay.io/a/b@sha384:${'0'.repeat(96)}`,
      familiar: `quay.io/a/b@sha384:${'0'.repeat(96)}`,
    },
  ],
  [
    'ECR host',
    {
      input: '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1',
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      repository: 'team/app',
      tag: '1',
      reference: '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1',
      familiar: '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1',
    },
  ],
  [
    'digits-only domain label and dashes',
    {
      input: 'my-registry.1.example:8080/x',
      registry: 'my-registry.1.example:8080',
      repository: 'x',
      tag: 'latest',
      reference: 'my-registry.1.example:8080/x:latest',
      familiar: 'my-registry.1.example:8080/x:latest',
    },
  ],
];

describe('parseImageReference: valid', () => {
  it.each(valid)('%s', (_name, c) => {
    const ref = parseImageReference(c.input);
    const expected: ImageReference = {
      registry: c.registry,
      repository: c.repository,
      tag: c.tag,
      digest: c.digest ?? null,
    };
    expect(ref).toEqual(expected);
    expect(formatReference(ref)).toBe(c.reference);
    expect(familiarName(ref)).toBe(c.familiar);
  });

  it('formats are stable: parsing the reference again gives the same reference', () => {
    for (const [, c] of valid) {
      const again = parseImageReference(c.reference);
      expect(formatReference(again)).toBe(c.reference);
      expect(formatReference(parseImageReference(c.familiar))).toBe(c.reference);
    }
  });
});

const invalid: [string, string, string][] = [
  ['empty', '', 'reference is empty'],
  ['leading space', ' nginx', 'whitespace at character 1'],
  ['trailing newline', 'nginx\n', 'whitespace at character 6'],
  ['inner tab', 'ngi\tnx', 'whitespace at character 4'],
  ['bare image id', SHA, 'image id, not a repository name'],
  ['upper-case path', 'nginx/Foo', 'repository name must be lowercase ("nginx/Foo")'],
  ['upper-case single name', 'Nginx', 'repository name must be lowercase ("Nginx")'],
  ['upper-case path after upper-case domain', 'Foo/Bar', 'repository name must be lowercase ("Bar")'],
  ['upper-case path after registry', 'gcr.io/Project/app', 'repository name must be lowercase'],
  ['path of 256 characters (library/ counts)', 'a'.repeat(248), '256 characters long, the limit is 255'],
  ['path of 256 characters', `example.com/${'b'.repeat(256)}`, '256 characters long, the limit is 255'],
  ['tag of 129 characters', `app:${'t'.repeat(129)}`, 'tag is 129 characters long, the limit is 128'],
  ['empty tag', 'nginx:', 'the tag after ":" is empty'],
  ['tag starting with dot', 'nginx:.x', 'must start with a letter, digit or "_"'],
  ['tag starting with dash', 'nginx:-x', 'must start with a letter, digit or "_"'],
  ['tag with plus', 'nginx:1+2', 'tag "1+2" contains the invalid character "+"'],
  ['at without digest', 'nginx@', 'the digest after "@" is empty'],
  ['digest without algorithm', `nginx@${SHA}`, 'must be "algorithm:hex"'],
  ['sha256 too short', `nginx@sha256:${SHA.slice(1)}`, 'exactly 64 hexadecimal characters, got 63'],
  ['sha256 too long', `nginx@sha256:${SHA}0`, 'exactly 64 hexadecimal characters, got 65'],
  ['sha256 upper case', `nginx@sha256:${SHA.toUpperCase()}`, 'sha256 digest must be lowercase'],
  ['sha512 wrong length', `nginx@sha512:${SHA}`, 'exactly 128 hexadecimal characters, got 64'],
  ['digest non-hex', `nginx@sha256:${SHA.slice(1)}g`, 'non-hexadecimal character "g"'],
  ['other algorithm too short', `nginx@md5x:${'a'.repeat(31)}`, 'at least 32 hexadecimal characters, got 31'],
  ['algorithm starting with digit', `nginx@5ha:${'a'.repeat(32)}`, 'digest algorithm "5ha" is invalid'],
  [
    'algorithm with double separator',
    `nginx@sha+-x:${'a'.repeat(32)}`,
    'digest algorithm "sha+-x" is invalid',
  ],
  ['two at signs', `nginx@sha256:${SHA}@sha256:${SHA}`, 'non-hexadecimal character "@"'],
  ['digest without name', `@sha256:${SHA}`, 'repository name is empty'],
  ['tag without name', ':latest', 'repository name is empty'],
  ['trailing slash', 'nginx/', 'path component 2 is empty'],
  ['leading slash', '/nginx', 'path component 1 is empty'],
  ['double slash', 'gcr.io/a//b', 'path component 2 is empty'],
  ['registry without path', 'gcr.io/', 'repository path is empty'],
  ['path component with double dot', 'a..b', 'path component "a..b" must start and end'],
  ['path component with triple underscore', 'a___b', 'path component "a___b" must start and end'],
  ['path component ending with dash', 'team/app-', 'path component "app-" must start and end'],
  ['path component starting with dot', 'gcr.io/.app', 'path component ".app" must start and end'],
  ['colon inside path', 'team/a:b/c', 'path component "a:b" contains the invalid character ":"'],
  ['plus inside path', 'team/a+b', 'contains the invalid character "+"'],
  [
    'domain with underscore',
    'my_registry.io/app',
    'registry host "my_registry.io" contains the invalid character "_"',
  ],
  ['domain label ending with dash', 'reg-.io/app', 'label "reg-" must not start or end with "-"'],
  ['domain with empty label', 'reg..io/app', 'has an empty label'],
  ['domain with trailing dot', 'reg.io./app', 'has an empty label'],
  ['empty port', 'localhost:/app', 'the port after ":" is empty'],
  ['non-numeric port', 'localhost:http/app', 'port "http" is not a number'],
  ['port out of range', 'localhost:65536/app', 'port "65536" is not a number from 0 to 65535'],
  ['port only', ':5000/app', 'has no host name'],
  ['IPv6 without brackets', '::1/app', 'must be written in brackets'],
  ['IPv6 without closing bracket', '[::1/app', 'missing "]"'],
  ['IPv6 zone id', '[fe80::1%eth0]:5000/app', 'IPv6 zone ids are not allowed'],
  ['IPv6 with two gaps', '[1::2::3]/app', '"1::2::3" is not an IPv6 address'],
  ['IPv6 with too many groups', '[1:2:3:4:5:6:7:8:9]/app', 'is not an IPv6 address'],
  ['IPv6 with embedded IPv4', '[::ffff:1.2.3.4]/app', 'is not an IPv6 address'],
  ['IPv6 junk after bracket', '[::1]x/app', 'only ":port" may follow "]"'],
  ['IPv6 without path', '[::1]:5000', 'must be followed by "/" and a repository path'],
  ['sha384 wrong length', `nginx@sha384:${SHA}`, 'exactly 96 hexadecimal characters, got 64'],
  [
    'colon before a later slash is not a tag',
    'team/a:1/b',
    'path component "a:1" contains the invalid character ":"',
  ],
  ['too long input', `gcr.io/${'a/'.repeat(3000)}`, 'the limit is 4096'],
];

describe('parseImageReference: invalid', () => {
  it.each(invalid)('%s', (_name, input, problem) => {
    let caught: unknown;
    try {
      parseImageReference(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegcredError);
    const error = caught as RegcredError;
    expect(error.code).toBe(ErrorCode.ImageReferenceInvalid);
    expect(error.message).toContain(problem);
    expect(error.message.startsWith('invalid reference "')).toBe(true);
  });

  it('quotes the input so invisible characters show', () => {
    expect(() => parseImageReference('nginx\n')).toThrow(
      'invalid reference "nginx\\n": whitespace at character 6',
    );
  });

  it('names the input and the problem in the upper-case message', () => {
    expect(() => parseImageReference('foo/Bar')).toThrow(
      'invalid reference "foo/Bar": repository name must be lowercase ("foo/Bar")',
    );
  });
});

describe('parseImageReference: hostile input stays linear', () => {
  const hostile: [string, string][] = [
    ['long separator run', `${'a-'.repeat(1500)}!`],
    ['long dotted domain', `${'a.'.repeat(1500)}-/x`],
    ['long tag junk', `app:${'a'.repeat(3000)}!`],
    ['long digest algorithm', `app@${'a+'.repeat(1500)}:`],
  ];
  it.each(hostile)('%s', (_name, input) => {
    expect(() => parseImageReference(input)).toThrow(RegcredError);
  });
});

describe('isIPv6', () => {
  const cases: [string, boolean][] = [
    ['::', true],
    ['::1', true],
    ['1::', true],
    ['2001:db8::8a2e:370:7334', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7::', true],
    ['1:2:3:4:5:6:7:8::', false],
    ['1:2:3:4:5:6:7', false],
    [':::', false],
    ['12345::', false],
    ['g::1', false],
    ['', false],
  ];
  it.each(cases)('%s → %s', (address, expected) => {
    expect(isIPv6(address)).toBe(expected);
  });
});
