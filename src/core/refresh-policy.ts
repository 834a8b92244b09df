import type { Credential } from './credential.ts';

/** When to replace a credential that is still valid. Pure maths: every function takes `now`. */
export interface RefreshPolicy {
  /** Refresh once this fraction of the credential's lifetime has passed (0 < f < 1). */
  readonly fraction: number;
  /** …and never later than this long before expiry. */
  readonly marginMs: number;
  /** Long-lived credentials (no expiry) are re-read this often, so a rotated file or key is picked up. */
  readonly longLivedMaxAgeMs: number;
}

export const DEFAULT_REFRESH_POLICY: RefreshPolicy = {
  fraction: 0.5,
  marginMs: 5 * 60_000,
  longLivedMaxAgeMs: 60_000,
};

/**
 * The instant a credential fetched at `fetchedAt` should be replaced. For a 12 h ECR token and the default
 * policy that is 6 h after the fetch; for a 1 h Google token, 30 min; for a token with less life left than
 * the margin, immediately (it is still served until it really expires).
 */
export function refreshAt(
  credential: Pick<Credential, 'expiresAt'>,
  fetchedAt: number,
  policy: RefreshPolicy,
): number {
  if (credential.expiresAt === null) return fetchedAt + policy.longLivedMaxAgeMs;
  const expires = credential.expiresAt.getTime();
  const lifetime = Math.max(0, expires - fetchedAt);
  const byFraction = fetchedAt + lifetime * policy.fraction;
  const byMargin = expires - policy.marginMs;
  return Math.max(fetchedAt, Math.min(byFraction, byMargin));
}

/** Exponential backoff with equal jitter: half fixed, half random, capped. `attempt` starts at 1. */
export function backoffDelay(
  attempt: number,
  options: { initialMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return exp / 2 + random() * (exp / 2);
}
