import type { RetryPolicy as CorePolicy } from '../../src/core/retry.ts';

/** ECR's retry seam (factory option `retry`), named like the AWS SDK's own `maxAttempts`. */
export interface RetryPolicy {
  /** Total tries, the first included. */
  readonly maxAttempts: number;
  /** Cap of the first backoff window; doubles per attempt. */
  readonly baseDelayMs: number;
  /** No backoff window grows past this. */
  readonly maxDelayMs: number;
}

/**
 * ECR allows 20 GetAuthorizationToken calls per second (burst 200) per account and region; five tries
 * over at most ~3 s ride out a throttle burst without holding a refresh for long.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/** The core retry loop's policy for ECR's. */
export function corePolicy(policy: RetryPolicy): CorePolicy {
  return { attempts: policy.maxAttempts, baseDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs };
}
