import { describe, expect, it } from 'vitest';
import { hostsCoveredBy, targetForHost } from './target.ts';

const A = '111122223333';

describe('hostsCoveredBy', () => {
  it.each([
    [
      'commercial plain',
      `${A}.dkr.ecr.us-east-1.amazonaws.com`,
      [
        `${A}.dkr.ecr.us-east-1.amazonaws.com`,
        `${A}.dkr.ecr-fips.us-east-1.amazonaws.com`,
        `${A}.dkr-ecr.us-east-1.on.aws`,
        `${A}.dkr-ecr-fips.us-east-1.on.aws`,
      ],
    ],
    [
      'China dual-stack',
      `${A}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`,
      [
        `${A}.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn`,
        `${A}.dkr.ecr.cn-north-1.amazonaws.com.cn`,
        `${A}.dkr.ecr-fips.cn-north-1.amazonaws.com.cn`,
        `${A}.dkr-ecr-fips.cn-north-1.on.amazonwebservices.com.cn`,
      ],
    ],
    [
      'ISO partition (no documented dual-stack twin)',
      `${A}.dkr.ecr.us-iso-east-1.c2s.ic.gov`,
      [`${A}.dkr.ecr.us-iso-east-1.c2s.ic.gov`, `${A}.dkr.ecr-fips.us-iso-east-1.c2s.ic.gov`],
    ],
    ['ECR Public', 'public.ecr.aws', ['public.ecr.aws', 'ecr-public.aws.com']],
    [
      'requested host kept as given, then lower case',
      `${A}.DKR.ECR.US-EAST-1.AMAZONAWS.COM`,
      [`${A}.DKR.ECR.US-EAST-1.AMAZONAWS.COM`, `${A}.dkr.ecr.us-east-1.amazonaws.com`],
    ],
  ])('%s', (_name, host, expected) => {
    const hosts = hostsCoveredBy(targetForHost(host), host);
    expect(hosts[0]).toBe(host);
    for (const h of expected) expect(hosts).toContain(h);
    if (!host.includes('DKR')) expect(new Set(hosts)).toEqual(new Set(expected));
  });
});
