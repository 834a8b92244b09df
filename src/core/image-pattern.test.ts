import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from './errors.ts';
import {
  comparePatternSpecificity,
  imagePatternMatches,
  isConcreteHost,
  parseHostPattern,
} from './image-pattern.ts';

// Modelled on the kubelet's own URLsMatch and matchImages tests, plus the cases regcred relies on.
const matching: [string, string, string, boolean][] = [
  ['glob first label', '*.kubernetes.io', 'prefix.kubernetes.io', true],
  ['glob middle label', 'prefix.*.io', 'prefix.kubernetes.io', true],
  ['glob last label', 'prefix.kubernetes.*', 'prefix.kubernetes.io', true],
  ['glob inside a label', '*-good.kubernetes.io', 'prefix-good.kubernetes.io', true],
  ['glob inside a label, no match', '*-good.kubernetes.io', 'prefix-bad.kubernetes.io', false],
  ['glob needs the same label count', '*.kubernetes.io', 'kubernetes.io', false],
  ['glob does not cross dots', '*.kubernetes.io', 'a.b.kubernetes.io', false],
  ['two globs', '*.*.registry.io', 'a.b.registry.io', true],
  ['star matches an empty label part', 'registry*.io', 'registry.io', true],
  ['question mark', 'registry?.io', 'registry1.io', true],
  ['question mark needs one character', 'registry?.io', 'registry.io', false],
  ['class', 'registry[0-9].io', 'registry7.io', true],
  ['class no match', 'registry[0-9].io', 'registryx.io', false],
  ['negated class', 'registry[^0-9].io', 'registryx.io', true],
  ['negated class no match', 'registry[^0-9].io', 'registry7.io', false],
  ['class with list', 'eu[abc].gcr.io', 'eub.gcr.io', true],
  ['escaped star is literal', 'a\\*b.io', 'a*b.io', true],
  ['escaped star does not glob', 'a\\*b.io', 'axxb.io', false],
  ['collapsed stars', 'a**b.io', 'ab.io', true],
  ['star backtracking', '*a*b.io', 'xaxxaxb.io', true],
  ['star backtracking no match', '*a*b.io', 'xaxxaxc.io', false],
  ['concrete host', 'gcr.io', 'gcr.io/project/app', true],
  ['concrete host, different host', 'gcr.io', 'us.gcr.io/project/app', false],
  ['concrete host, image without path', 'gcr.io', 'gcr.io', true],
  ['host is case-insensitive', 'GCR.io', 'gcr.IO/p/app', true],
  ['glob is case-insensitive', '*.AzureCR.io', 'myreg.azurecr.io/app', true],
  ['path prefix', '*.kubernetes.io/blah', 'prefix.kubernetes.io/blah/x', true],
  ['path prefix with glob host', 'prefix.*.io/foo', 'prefix.kubernetes.io/foo/bar', true],
  ['path is a plain string prefix', 'quay.io/team', 'quay.io/teamwork/app', true],
  ['path prefix no match', 'quay.io/team', 'quay.io/other/app', false],
  ['path is case-sensitive', 'quay.io/Team', 'quay.io/team/app', false],
  ['pattern path longer than image path', 'quay.io/team/app', 'quay.io/team', false],
  ['path with image tag', 'quay.io/team/app', 'quay.io/team/app:1.0', true],
  ['trailing slash means no path', 'quay.io/', 'quay.io', true],
  ['port and path', '*.kubernetes.io:8443/blah', 'prefix.kubernetes.io:8443/blah', true],
  ['port and path prefix', 'prefix.*.io:8443/foo', 'prefix.kubernetes.io:8443/foo/bar', true],
  ['pattern without port, image with port', '*.kubernetes.io', 'prefix.kubernetes.io:8443', false],
  ['pattern with port, image without port', '*.kubernetes.io:8443', 'prefix.kubernetes.io', false],
  ['ports differ', 'registry.io:5000', 'registry.io:5001/app', false],
  ['443 is not the same as no port', 'registry.io', 'registry.io:443/app', false],
  ['ports equal', 'localhost:5000', 'localhost:5000/app:1', true],
  ['scheme stripped', 'https://registry.io', 'registry.io/app', true],
  ['http scheme stripped', 'http://registry.io:5000/v2/', 'registry.io:5000/app', true],
  ['v1 prefix stripped', 'https://index.docker.io/v1/', 'index.docker.io/library/nginx', true],
  ['v2 prefix kept as path', 'quay.io/v2/team', 'quay.io/team/app', true],
  ['IPv6 literal', '[::1]:5000', '[::1]:5000/app', true],
  ['IPv6 literal different port', '[::1]:5000', '[::1]:5001/app', false],
  ['IPv6 literal vs single-label host', '[::1]', 'localhost/app', false],
  ['ECR wildcard', '*.dkr.ecr.*.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com/app', true],
  [
    'ECR wildcard vs China',
    '*.dkr.ecr.*.amazonaws.com',
    '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app',
    false,
  ],
  ['Artifact Registry', '*-docker.pkg.dev', 'europe-docker.pkg.dev/p/r/app', true],
  ['single star matches single-label host', '*', 'registry/app', true],
  ['single star vs dotted host', '*', 'gcr.io/app', false],
  ['malformed pattern matches nothing', 'registry[.io', 'registry[.io', false],
  ['malformed image matches nothing', 'registry.io', 'a:b:c/app', false],
  ['empty image', 'registry.io', '', false],
  ['empty pattern', '', 'registry.io', false],
];

describe('imagePatternMatches', () => {
  it.each(matching)('%s: %s vs %s → %s', (_name, pattern, image, expected) => {
    expect(imagePatternMatches(pattern, image)).toBe(expected);
    // The cached path must give the same answer.
    expect(imagePatternMatches(pattern, image)).toBe(expected);
  });

  it('stays fast for many stars against a long label', () => {
    const pattern = `${'*a'.repeat(30)}*b.io`;
    expect(imagePatternMatches(pattern, `${'a'.repeat(5000)}.io`)).toBe(false);
  });
});

describe('parseHostPattern', () => {
  const parsed: [
    string,
    string,
    { key: string; host: string; port: string | null; path: string; concrete: boolean },
  ][] = [
    ['host', 'gcr.io', { key: 'gcr.io', host: 'gcr.io', port: null, path: '', concrete: true }],
    [
      'upper case and scheme',
      'HTTPS://Registry.Example.com:5000/v2/',
      {
        key: 'registry.example.com:5000',
        host: 'registry.example.com',
        port: '5000',
        path: '',
        concrete: true,
      },
    ],
    [
      'glob',
      '*.azurecr.io',
      { key: '*.azurecr.io', host: '*.azurecr.io', port: null, path: '', concrete: false },
    ],
    [
      'path',
      'quay.io/team',
      { key: 'quay.io/team', host: 'quay.io', port: null, path: '/team', concrete: false },
    ],
    ['IPv6', '[::1]:5000', { key: '[::1]:5000', host: '[::1]', port: '5000', path: '', concrete: true }],
  ];
  it.each(parsed)('%s: %s', (_name, pattern, expected) => {
    const result = parseHostPattern(pattern);
    expect({
      key: result.key,
      host: result.host,
      port: result.port,
      path: result.path,
      concrete: result.concrete,
    }).toEqual(expected);
    expect(result.source).toBe(pattern);
  });

  const invalid: [string, string, string][] = [
    ['empty', '', 'pattern is empty'],
    ['whitespace', 'gcr.io ', 'whitespace at character 7'],
    ['unsupported scheme', 'oci://gcr.io', 'unsupported scheme "oci"'],
    ['no host', ':5000', 'no host before the port or path'],
    ['no host, only path', '/team', 'no host before the port or path'],
    ['empty label', 'gcr..io', 'host label 2 is empty'],
    ['trailing dot', 'gcr.io.', 'host label 3 is empty'],
    ['empty port', 'gcr.io:', 'the port after ":" is empty'],
    ['glob in port', 'gcr.io:*', 'port "*" is not a number'],
    ['port out of range', 'gcr.io:70000', 'port "70000" is not a number from 0 to 65535'],
    ['unclosed class', 'registry[0-9.io', 'has "[" without "]"'],
    ['empty class', 'registry[].io', 'empty or malformed'],
    ['class starting with dash', 'registry[-a].io', 'empty or malformed'],
    ['stray bracket', 'registry].io', 'has "]" without "["'],
    ['trailing escape', 'registry\\', 'ends with "\\"'],
    ['invalid character', 'reg!stry.io', 'invalid character "!"'],
    ['at sign', 'user@registry.io', 'invalid character "@"'],
    ['unbracketed IPv6', '::1', 'must be written in brackets'],
    ['bad IPv6', '[::g]', 'is not a bracketed IPv6 address'],
    ['leading class reads as IPv6', '[a-c]cr.io', 'only ":port" may follow "]"'],
  ];
  it.each(invalid)('rejects %s: %j', (_name, pattern, problem) => {
    let caught: unknown;
    try {
      parseHostPattern(pattern);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegcredError);
    expect((caught as RegcredError).code).toBe(ErrorCode.HostPatternInvalid);
    expect((caught as RegcredError).message).toContain(`invalid host pattern ${JSON.stringify(pattern)}`);
    expect((caught as RegcredError).message).toContain(problem);
  });

  it('compiled patterns match like imagePatternMatches', () => {
    for (const [, pattern, image, expected] of matching) {
      let compiled: ReturnType<typeof parseHostPattern> | undefined;
      try {
        compiled = parseHostPattern(pattern);
      } catch {
        expect(expected).toBe(false);
        continue;
      }
      expect(compiled.matches(image)).toBe(expected);
    }
  });
});

describe('isConcreteHost', () => {
  const cases: [string, boolean][] = [
    ['gcr.io', true],
    ['registry.example.com:5000', true],
    ['https://registry.example.com/v2/', true],
    ['[::1]:5000', true],
    ['*.gcr.io', false],
    ['registry?.io', false],
    ['registry[0-9].io', false],
    ['quay.io/team', false],
    ['gcr..io', false],
    ['', false],
  ];
  it.each(cases)('%j → %s', (pattern, expected) => {
    expect(isConcreteHost(pattern)).toBe(expected);
  });
});

describe('comparePatternSpecificity', () => {
  it('orders like the kubelet (reverse lexicographic keys): longer paths and concrete hosts first', () => {
    const patterns = [
      'quay.io',
      '*.example.com',
      'quay.io/team',
      'https://quay.io/team/app',
      'registry.example.com',
    ];
    const sorted = [...patterns].sort(comparePatternSpecificity);
    expect(sorted).toEqual([
      'registry.example.com',
      'https://quay.io/team/app',
      'quay.io/team',
      'quay.io',
      '*.example.com',
    ]);
  });

  it('accepts compiled patterns and treats equal keys as equal', () => {
    expect(comparePatternSpecificity(parseHostPattern('GCR.io'), 'https://gcr.io/')).toBe(0);
    expect(comparePatternSpecificity('quay.io', 'quay.io/team')).toBe(1);
    expect(comparePatternSpecificity('quay.io/team', 'quay.io')).toBe(-1);
  });
});
