import { detectCloudRegistry } from '../../src/core/cloud-registry.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';

/** Where one registry host's token comes from: which API, in which region, with which endpoint variant. */
export type EcrTarget =
  | {
      readonly kind: 'private';
      readonly accountId: string;
      readonly region: string;
      readonly fips: boolean;
      readonly dualStack: boolean;
      readonly suffix: string;
    }
  | {
      readonly kind: 'public';
      readonly region: 'us-east-1';
      readonly fips: false;
      readonly dualStack: boolean;
    };

export const ECR_PUBLIC_HOSTS: readonly string[] = ['public.ecr.aws', 'ecr-public.aws.com'];

/**
 * Dual-stack registry hosts live under a partition's own suffix (`dkr-ecr.us-east-1.on.aws` for
 * `dkr.ecr.us-east-1.amazonaws.com`). Only the pairs AWS documents; other partitions get no dual-stack
 * twin rather than a guessed one.
 */
const DUAL_STACK_SUFFIX: ReadonlyMap<string, string> = new Map([
  ['amazonaws.com', 'on.aws'],
  ['amazonaws.com.cn', 'on.amazonwebservices.com.cn'],
]);
const IPV4_SUFFIX: ReadonlyMap<string, string> = new Map(
  [...DUAL_STACK_SUFFIX].map(([ipv4, dual]) => [dual, ipv4]),
);

/**
 * Reads account, region, FIPS and dual-stack from the registry host. Throws `ERR_CONFIG_INVALID` when
 * the host is not an ECR (or ECR Public) registry: the config sent a host this provider cannot serve.
 */
export function targetForHost(host: string): EcrTarget {
  const cloud = detectCloudRegistry(host);
  if (cloud === null || cloud.provider !== 'ecr') {
    throw new RegcredError(
      ErrorCode.ConfigInvalid,
      `${host} is not an ECR registry host (expected <account>.dkr.ecr.<region>.<suffix> or public.ecr.aws); ` +
        'list it under another provider',
      { retryable: false, details: { registry: host } },
    );
  }
  if (cloud.public) return { kind: 'public', region: 'us-east-1', fips: false, dualStack: cloud.dualStack };
  return {
    kind: 'private',
    accountId: cloud.accountId,
    region: cloud.region,
    fips: cloud.fips,
    dualStack: cloud.dualStack,
    suffix: cloud.suffix,
  };
}

/**
 * One token serves every host form of an account and region (plain, FIPS, dual-stack): they are the
 * same registry behind different endpoints. The requested host always comes first, as given.
 */
export function hostsCoveredBy(target: EcrTarget, requestedHost: string): string[] {
  const hosts = new Set<string>([requestedHost, requestedHost.toLowerCase()]);
  if (target.kind === 'public') {
    for (const host of ECR_PUBLIC_HOSTS) hosts.add(host);
    return [...hosts];
  }
  const { accountId, region } = target;
  const ipv4Suffix = target.dualStack ? (IPV4_SUFFIX.get(target.suffix) ?? target.suffix) : target.suffix;
  const dualSuffix = DUAL_STACK_SUFFIX.get(ipv4Suffix);
  hosts.add(`${accountId}.dkr.ecr.${region}.${ipv4Suffix}`);
  hosts.add(`${accountId}.dkr.ecr-fips.${region}.${ipv4Suffix}`);
  if (dualSuffix !== undefined) {
    hosts.add(`${accountId}.dkr-ecr.${region}.${dualSuffix}`);
    hosts.add(`${accountId}.dkr-ecr-fips.${region}.${dualSuffix}`);
  }
  return [...hosts];
}

/** Account and region (or `public`) part of the cache key; the identity is appended by the provider. */
export function targetKey(target: EcrTarget): string {
  return target.kind === 'public' ? 'ecr-public|us-east-1' : `ecr|${target.accountId}|${target.region}`;
}

/** `123456789012 in eu-west-1` / `ECR Public`, for messages. */
export function describeTarget(target: EcrTarget): string {
  return target.kind === 'public' ? 'ECR Public' : `account ${target.accountId} in ${target.region}`;
}
