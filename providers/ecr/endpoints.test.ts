import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import { ecrHarness } from '../../test/fakes/aws/ecr-harness.ts';
import { type FakeAws, startFakeAws } from '../../test/fakes/aws/fake-aws.ts';
import { RedirectingDispatcher } from '../../test/fakes/aws/redirecting-dispatcher.ts';
import { regcredFailure } from '../../test/fakes/regcred-failure.ts';

const ACCOUNT = '111122223333';
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const KEY = {
  accessKeyId: 'AKIAFAKEENDPOINT0042',
  secretAccessKey: 'endpoint-secret-key-000000000000000042',
};
const ROLE = 'arn:aws:iam::444455556666:role/ecr-pull';

let fake: FakeAws;

beforeAll(async () => {
  fake = await startFakeAws();
  fake.addKey(KEY);
});

afterAll(async () => {
  await fake.close();
});

afterEach(() => {
  fake.reset();
});

const keysEnv = () => ({
  AWS_ACCESS_KEY_ID: KEY.accessKeyId,
  AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
  AWS_ENDPOINT_URL_ECR: fake.url,
});

const failure = regcredFailure;

interface EndpointCase {
  name: string;
  host: string;
  origin: string;
  region: string;
  service: 'ecr' | 'ecr-public';
  covers: string[];
}

const endpointCases: EndpointCase[] = [
  {
    name: 'commercial',
    host: HOST,
    origin: 'https://api.ecr.us-east-1.amazonaws.com',
    region: 'us-east-1',
    service: 'ecr',
    covers: [HOST, `${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`, `${ACCOUNT}.dkr-ecr.us-east-1.on.aws`],
  },
  {
    name: 'FIPS',
    host: `${ACCOUNT}.dkr.ecr-fips.us-west-2.amazonaws.com`,
    origin: 'https://api.ecr-fips.us-west-2.amazonaws.com',
    region: 'us-west-2',
    service: 'ecr',
    covers: [`${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`, `${ACCOUNT}.dkr-ecr-fips.us-west-2.on.aws`],
  },
  {
    name: 'dual-stack',
    host: `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`,
    origin: 'https://ecr.eu-west-1.api.aws',
    region: 'eu-west-1',
    service: 'ecr',
    covers: [`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`, `${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`],
  },
  {
    name: 'dual-stack FIPS',
    host: `${ACCOUNT}.dkr-ecr-fips.us-east-2.on.aws`,
    origin: 'https://ecr-fips.us-east-2.api.aws',
    region: 'us-east-2',
    service: 'ecr',
    covers: [`${ACCOUNT}.dkr.ecr-fips.us-east-2.amazonaws.com`],
  },
  {
    name: 'China partition',
    host: `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn`,
    origin: 'https://api.ecr.cn-north-1.amazonaws.com.cn',
    region: 'cn-north-1',
    service: 'ecr',
    covers: [`${ACCOUNT}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`],
  },
  {
    name: 'GovCloud FIPS',
    host: `${ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com`,
    origin: 'https://api.ecr-fips.us-gov-west-1.amazonaws.com',
    region: 'us-gov-west-1',
    service: 'ecr',
    covers: [`${ACCOUNT}.dkr.ecr.us-gov-west-1.amazonaws.com`],
  },
  {
    name: 'upper case with port',
    host: `${ACCOUNT}.DKR.ECR.AP-SOUTHEAST-2.AMAZONAWS.COM:443`,
    origin: 'https://api.ecr.ap-southeast-2.amazonaws.com',
    region: 'ap-southeast-2',
    service: 'ecr',
    covers: [`${ACCOUNT}.dkr.ecr.ap-southeast-2.amazonaws.com`],
  },
  {
    name: 'ECR Public',
    host: 'public.ecr.aws',
    origin: 'https://api.ecr-public.us-east-1.amazonaws.com',
    region: 'us-east-1',
    service: 'ecr-public',
    covers: ['public.ecr.aws', 'ecr-public.aws.com'],
  },
  {
    name: 'ECR Public dual-stack',
    host: 'ecr-public.aws.com',
    origin: 'https://ecr-public.us-east-1.api.aws',
    region: 'us-east-1',
    service: 'ecr-public',
    covers: ['public.ecr.aws', 'ecr-public.aws.com'],
  },
];

describe('ecr endpoints from the registry host (through the context dispatcher)', () => {
  it.each(endpointCases)('$name: $host → $origin', async (testCase) => {
    const dispatcher = new RedirectingDispatcher(fake.url);
    const env = { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey };
    const harness = ecrHarness({ env, dispatcher });
    try {
      const credential = await harness.provider.getCredential(testCase.host, {
        signal: AbortSignal.timeout(20_000),
      });
      expect(dispatcher.origins).toEqual([testCase.origin]);
      const calls = fake.callsTo(testCase.service, 'GetAuthorizationToken');
      expect(calls.map((c) => [c.status, c.region])).toEqual([[200, testCase.region]]);
      expect(credential.hosts).toContain(testCase.host);
      for (const host of testCase.covers) expect(credential.hosts).toContain(host);
      expect(credential.username).toBe('AWS');
    } finally {
      await harness.close();
      await dispatcher.close();
    }
  });

  it('refuses a host that is not ECR with ERR_CONFIG_INVALID and no call', async () => {
    const harness = ecrHarness({ env: keysEnv() });
    try {
      for (const host of [`${HOST}.evil.example`, 'registry.example.com', 'myregistry.azurecr.io']) {
        const error = await failure(
          harness.provider.getCredential(host, { signal: AbortSignal.timeout(5_000) }),
        );
        expect(error.code).toBe(ErrorCode.ConfigInvalid);
        expect(error.message).toContain(host);
      }
      expect(fake.calls).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});

describe('ecr cache keys', () => {
  const harness = ecrHarness({
    env: { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) },
  });
  const other = ecrHarness({
    env: { AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) },
    config: { roleArn: ROLE },
  });
  afterAll(async () => {
    await harness.close();
    await other.close();
  });
  const key = (host: string) => harness.provider.cacheKey?.(host);

  it.each([
    ['FIPS form', `${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`],
    ['dual-stack form', `${ACCOUNT}.dkr-ecr.us-east-1.on.aws`],
    ['upper case', HOST.toUpperCase()],
  ])('%s shares the plain host key', (_name, host) => {
    expect(key(host)).toBe(key(HOST));
  });

  it.each([
    ['another region', `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`],
    ['another account', `999988887777.dkr.ecr.us-east-1.amazonaws.com`],
    ['ECR Public', 'public.ecr.aws'],
  ])('%s gets its own key', (_name, host) => {
    expect(key(host)).not.toBe(key(HOST));
  });

  it('another identity gets its own key, and keys carry no secret', () => {
    expect(other.provider.cacheKey?.(HOST)).not.toBe(key(HOST));
    expect(key(HOST)).not.toContain('x'.repeat(40));
    expect(other.provider.cacheKey?.(HOST)).toContain(ROLE);
  });
});
