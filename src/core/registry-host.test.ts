import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from './errors.ts';
import { DOCKER_HUB_CONFIG_KEY, dockerConfigKey, parseRegistryHost, sameRegistry } from './registry-host.ts';

const valid: [string, string, string][] = [
  ['bare host', 'registry.example.com', 'registry.example.com'],
  ['host with port', 'registry.example.com:5000', 'registry.example.com:5000'],
  ['upper-case host is lower-cased', 'Registry.Example.COM:5000', 'registry.example.com:5000'],
  ['single-label host with port', 'registry:5000', 'registry:5000'],
  ['bare word is a Docker Hub image', 'registry', 'docker.io'],
  ['name with numeric tag reads as host with port', 'redis:7', 'redis:7'],
  ['localhost upper case', 'LOCALHOST', 'localhost'],
  ['localhost', 'localhost', 'localhost'],
  ['IPv4 with port', '127.0.0.1:5000', '127.0.0.1:5000'],
  ['IPv6 with port', '[::1]:5000', '[::1]:5000'],
  ['IPv6 upper-case hex', '[2001:DB8::1]', '[2001:db8::1]'],
  ['docker.io', 'docker.io', 'docker.io'],
  ['index.docker.io', 'index.docker.io', 'docker.io'],
  ['registry-1.docker.io', 'registry-1.docker.io', 'docker.io'],
  ['registry.hub.docker.com', 'registry.hub.docker.com', 'docker.io'],
  ['Docker Hub server URL', 'https://index.docker.io/v1/', 'docker.io'],
  ['server URL with v2', 'https://registry.example.com/v2/', 'registry.example.com'],
  ['server URL with port, no path', 'http://localhost:5000', 'localhost:5000'],
  ['server URL with IPv6', 'https://[::1]:5000/v2/', '[::1]:5000'],
  ['server URL with upper-case scheme', 'HTTPS://GCR.IO', 'gcr.io'],
  ['server URL with repository path', 'https://gcr.io/my-project', 'gcr.io'],
  ['server URL with query', 'https://gcr.io?x=1', 'gcr.io'],
  ['host with /v1/ path', 'index.docker.io/v1/', 'docker.io'],
  ['host with /v2 path', 'registry:5000/v2', 'registry:5000'],
  ['host with trailing slash', 'quay.io/', 'quay.io'],
  ['surrounding whitespace (credential helper stdin)', '  quay.io\n', 'quay.io'],
  ['image reference', 'gcr.io/project/app:1', 'gcr.io'],
  ['image reference with port', 'localhost:5000/team/app', 'localhost:5000'],
  ['image reference upper-case host', 'Quay.IO/team/app', 'quay.io'],
  [
    'ECR image',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  ],
  ['Docker Hub user image', 'bitnami/redis', 'docker.io'],
  ['Docker Hub official image with tag', 'nginx:1.25', 'docker.io'],
  ['index.docker.io image', 'index.docker.io/library/nginx', 'docker.io'],
];

const invalid: [string, string, string][] = [
  ['empty', '', 'registry is empty'],
  ['only whitespace', '  ', 'registry is empty'],
  ['bad port on a DNS host', 'registry.example.com:abc', 'port "abc" is not a number'],
  ['port out of range', 'localhost:99999', 'not a number from 0 to 65535'],
  ['unbracketed IPv6', '::1', 'must be written in brackets'],
  ['unclosed IPv6', '[::1', 'missing "]"'],
  ['scheme without host', 'https://', 'no host name'],
  ['unsupported scheme', 'ftp://registry.example.com', 'unsupported scheme "ftp"'],
  ['underscore in host', 'https://my_registry.example.com/', 'invalid character "_"'],
  ['invalid image', 'gcr.io/Project/app', 'repository name must be lowercase'],
  ['invalid image path', 'registry/a..b', 'path component "a..b"'],
  ['invalid bare image', 'Nginx', 'repository name must be lowercase'],
  ['empty IPv6 port', '[::1]:', 'the port after ":" is empty'],
];

describe('parseRegistryHost', () => {
  it.each(valid)('%s: %j', (_name, input, expected) => {
    expect(parseRegistryHost(input)).toBe(expected);
  });

  it.each(invalid)('rejects %s: %j', (_name, input, problem) => {
    let caught: unknown;
    try {
      parseRegistryHost(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegcredError);
    expect((caught as RegcredError).code).toBe(ErrorCode.ImageReferenceInvalid);
    expect((caught as RegcredError).message).toContain(problem);
  });

  it('never echoes user info from a URL', () => {
    let message = '';
    try {
      parseRegistryHost('https://robot:s3cr3t-pass@registry.example.com/v2/');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('credentials in a registry URL are not allowed');
    expect(message).toContain('registry.example.com');
    expect(message).not.toContain('s3cr3t-pass');
    expect(message).not.toContain('robot');
  });
});

describe('dockerConfigKey', () => {
  const cases: [string, string][] = [
    ['docker.io', DOCKER_HUB_CONFIG_KEY],
    ['index.docker.io', 'https://index.docker.io/v1/'],
    ['https://index.docker.io/v1/', 'https://index.docker.io/v1/'],
    ['gcr.io', 'gcr.io'],
    ['Registry.Example.com:5000', 'registry.example.com:5000'],
    ['[::1]:5000', '[::1]:5000'],
  ];
  it.each(cases)('%s → %s', (host, key) => {
    expect(dockerConfigKey(host)).toBe(key);
  });
});

describe('sameRegistry', () => {
  const cases: [string, string, boolean][] = [
    ['docker.io', 'https://index.docker.io/v1/', true],
    ['GCR.io', 'gcr.io/project/app', true],
    ['gcr.io', 'us.gcr.io', false],
    ['localhost:5000', 'localhost', false],
    ['', '', false],
  ];
  it.each(cases)('%j vs %j → %s', (a, b, expected) => {
    expect(sameRegistry(a, b)).toBe(expected);
  });
});
