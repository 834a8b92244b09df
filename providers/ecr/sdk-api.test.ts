import { describe, expect, it } from 'vitest';
import { clientSettings, endpointOverrides } from './sdk-api.ts';
import { targetForHost } from './target.ts';

describe('endpointOverrides (read from the context env, like the SDK reads process.env)', () => {
  it.each([
    ['none', {}, { ecr: undefined, ecrPublic: undefined, sts: undefined }],
    [
      'service-specific variables',
      {
        AWS_ENDPOINT_URL_ECR: 'http://e',
        AWS_ENDPOINT_URL_ECR_PUBLIC: 'http://p',
        AWS_ENDPOINT_URL_STS: 'http://s',
      },
      { ecr: 'http://e', ecrPublic: 'http://p', sts: 'http://s' },
    ],
    [
      'the global variable fills the gaps',
      { AWS_ENDPOINT_URL: 'http://all', AWS_ENDPOINT_URL_STS: 'http://s' },
      { ecr: 'http://all', ecrPublic: 'http://all', sts: 'http://s' },
    ],
    [
      'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns them off',
      { AWS_ENDPOINT_URL: 'http://all', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      { ecr: undefined, ecrPublic: undefined, sts: undefined },
    ],
    [
      'blank values are ignored',
      { AWS_ENDPOINT_URL_ECR: ' ' },
      { ecr: undefined, ecrPublic: undefined, sts: undefined },
    ],
  ])('%s', (_name, env, expected) => {
    expect(endpointOverrides(env)).toEqual(expected);
  });
});

describe('clientSettings', () => {
  it.each([
    ['plain', '111122223333.dkr.ecr.eu-west-1.amazonaws.com', undefined, ['eu-west-1', false, false]],
    ['FIPS', '111122223333.dkr.ecr-fips.us-east-1.amazonaws.com', undefined, ['us-east-1', true, false]],
    ['dual-stack FIPS', '111122223333.dkr-ecr-fips.us-east-1.on.aws', undefined, ['us-east-1', true, true]],
    // The SDK's endpoint rules reject a custom endpoint together with FIPS or dual-stack.
    [
      'an override drops the variants',
      '111122223333.dkr-ecr-fips.us-east-1.on.aws',
      'http://x',
      ['us-east-1', false, false],
    ],
  ] as const)('%s', (_name, host, endpoint, [region, fips, dualStack]) => {
    const settings = clientSettings(targetForHost(host), endpoint);
    expect(settings).toMatchObject({ region, useFipsEndpoint: fips, useDualstackEndpoint: dualStack });
    expect(settings.endpoint).toBe(endpoint);
  });
});
