import { describe, expect, it } from 'vitest';
import { type CloudRegistry, detectCloudRegistry } from './cloud-registry.ts';

const ACCOUNT = '123456789012';

function ecr(
  region: string,
  suffix: string,
  options: { fips?: boolean; dualStack?: boolean } = {},
): CloudRegistry {
  return {
    provider: 'ecr',
    public: false,
    accountId: ACCOUNT,
    region,
    fips: options.fips ?? false,
    dualStack: options.dualStack ?? false,
    suffix,
  };
}

const ECR_SUFFIXES: readonly [string, string][] = [
  ['amazonaws.com', 'us-east-1'],
  ['amazonaws.com.cn', 'cn-north-1'],
  ['amazonaws.eu', 'eusc-de-east-1'],
  ['on.aws', 'us-west-2'],
  ['on.amazonwebservices.com.cn', 'cn-northwest-1'],
  ['c2s.ic.gov', 'us-iso-east-1'],
  ['sc2s.sgov.gov', 'us-isob-east-1'],
  ['cloud.adc-e.uk', 'eu-isoe-west-1'],
  ['csp.hci.ic.gov', 'us-isof-south-1'],
];

const ecrCases: [string, string, CloudRegistry][] = [];
for (const [suffix, region] of ECR_SUFFIXES) {
  ecrCases.push([`${suffix} plain`, `${ACCOUNT}.dkr.ecr.${region}.${suffix}`, ecr(region, suffix)]);
  ecrCases.push([
    `${suffix} fips`,
    `${ACCOUNT}.dkr.ecr-fips.${region}.${suffix}`,
    ecr(region, suffix, { fips: true }),
  ]);
  ecrCases.push([
    `${suffix} dual-stack`,
    `${ACCOUNT}.dkr-ecr.${region}.${suffix}`,
    ecr(region, suffix, { dualStack: true }),
  ]);
  ecrCases.push([
    `${suffix} dual-stack fips`,
    `${ACCOUNT}.dkr-ecr-fips.${region}.${suffix}`,
    ecr(region, suffix, { fips: true, dualStack: true }),
  ]);
}

const cases: [string, string, CloudRegistry | null][] = [
  ...ecrCases,
  ['ECR GovCloud', `${ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com`, ecr('us-gov-west-1', 'amazonaws.com')],
  ['ECR upper case', `${ACCOUNT}.DKR.ECR.US-EAST-1.AMAZONAWS.COM`, ecr('us-east-1', 'amazonaws.com')],
  ['ECR with port', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com:443`, ecr('us-east-1', 'amazonaws.com')],
  [
    'ECR public',
    'public.ecr.aws',
    {
      provider: 'ecr',
      public: true,
      accountId: null,
      region: 'us-east-1',
      fips: false,
      dualStack: false,
      suffix: 'amazonaws.com',
    },
  ],
  [
    'ECR public dual-stack',
    'ecr-public.aws.com',
    {
      provider: 'ecr',
      public: true,
      accountId: null,
      region: 'us-east-1',
      fips: false,
      dualStack: true,
      suffix: 'amazonaws.com',
    },
  ],
  ['GCR', 'gcr.io', { provider: 'google', kind: 'gcr', location: 'us' }],
  ['GCR us', 'us.gcr.io', { provider: 'google', kind: 'gcr', location: 'us' }],
  ['GCR eu', 'eu.gcr.io', { provider: 'google', kind: 'gcr', location: 'europe' }],
  ['GCR asia', 'asia.gcr.io', { provider: 'google', kind: 'gcr', location: 'asia' }],
  ['GCR marketplace', 'marketplace.gcr.io', { provider: 'google', kind: 'gcr', location: 'us' }],
  ['GCR upper case with port', 'EU.GCR.IO:443', { provider: 'google', kind: 'gcr', location: 'europe' }],
  [
    'AR multi-region us',
    'us-docker.pkg.dev',
    { provider: 'google', kind: 'artifact-registry', location: 'us' },
  ],
  [
    'AR multi-region europe',
    'europe-docker.pkg.dev',
    { provider: 'google', kind: 'artifact-registry', location: 'europe' },
  ],
  [
    'AR multi-region asia',
    'asia-docker.pkg.dev',
    { provider: 'google', kind: 'artifact-registry', location: 'asia' },
  ],
  [
    'AR region',
    'us-central1-docker.pkg.dev',
    { provider: 'google', kind: 'artifact-registry', location: 'us-central1' },
  ],
  [
    'AR long region',
    'northamerica-northeast1-docker.pkg.dev',
    { provider: 'google', kind: 'artifact-registry', location: 'northamerica-northeast1' },
  ],
  [
    'AR regional endpoint',
    'docker.us-central1.rep.pkg.dev',
    { provider: 'google', kind: 'artifact-registry', location: 'us-central1' },
  ],
  ['ACR io', 'myregistry.azurecr.io', { provider: 'acr', registryName: 'myregistry', suffix: 'azurecr.io' }],
  ['ACR cn', 'myregistry.azurecr.cn', { provider: 'acr', registryName: 'myregistry', suffix: 'azurecr.cn' }],
  ['ACR us', 'myregistry.azurecr.us', { provider: 'acr', registryName: 'myregistry', suffix: 'azurecr.us' }],
  ['ACR de', 'myregistry.azurecr.de', { provider: 'acr', registryName: 'myregistry', suffix: 'azurecr.de' }],
  [
    'ACR upper case name',
    'MyRegistry01.AzureCR.io',
    { provider: 'acr', registryName: 'myregistry01', suffix: 'azurecr.io' },
  ],
  [
    'ACR with port',
    'myregistry.azurecr.io:8443',
    { provider: 'acr', registryName: 'myregistry', suffix: 'azurecr.io' },
  ],

  // Look-alikes and other hosts.
  ['ECR look-alike suffix', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com.evil.example`, null],
  ['ECR look-alike prefix', `evil.${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, null],
  ['ECR 11-digit account', '12345678901.dkr.ecr.us-east-1.amazonaws.com', null],
  ['ECR 13-digit account', '1234567890123.dkr.ecr.us-east-1.amazonaws.com', null],
  ['ECR unknown suffix', `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.org`, null],
  ['ECR missing region', `${ACCOUNT}.dkr.ecr.amazonaws.com`, null],
  ['ECR API endpoint', 'api.ecr.us-east-1.amazonaws.com', null],
  ['ECR public look-alike', 'public.ecr.aws.evil.example', null],
  ['ECR public sub-domain', 'x.public.ecr.aws', null],
  ['GCR look-alike glued', 'evilgcr.io', null],
  ['GCR look-alike suffix', 'gcr.io.evil', null],
  ['GCR unknown sub-domain', 'evil.gcr.io', null],
  ['AR look-alike suffix', 'us-docker.pkg.dev.evil.example', null],
  ['AR without location', '-docker.pkg.dev', null],
  ['AR regional look-alike', 'docker.us-central1.rep.pkg.dev.evil', null],
  ['ACR look-alike suffix', 'foo12.azurecr.io.example', null],
  ['ACR name with dash', 'my-registry.azurecr.io', null],
  ['ACR name too short', 'abcd.azurecr.io', null],
  ['ACR nested', 'evil.myregistry.azurecr.io', null],
  ['ACR unknown cloud', 'myregistry.azurecr.net', null],
  ['MCR is public, not ACR', 'mcr.microsoft.com', null],
  ['Docker Hub', 'docker.io', null],
  ['localhost with port', 'localhost:5000', null],
  ['IPv6', '[::1]:5000', null],
  ['empty', '', null],
  ['trailing dot', 'gcr.io.', null],
];

describe('detectCloudRegistry', () => {
  it.each(cases)('%s: %s', (_name, host, expected) => {
    expect(detectCloudRegistry(host)).toEqual(expected);
  });

  it('stays fast on long hostile input', () => {
    // A linear matcher answers this instantly; a backtracking one would not return at all.
    const hostile = `${'a-'.repeat(20_000)}.dkr.ecr.${'a-'.repeat(20_000)}`;
    expect(detectCloudRegistry(hostile)).toBeNull();
    expect(detectCloudRegistry(`123456789012.dkr.ecr.${'us-'.repeat(90)}.amazonaws.co`)).toBeNull();
  });
});
