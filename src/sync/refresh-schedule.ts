import type { Credential } from '../core/credential.ts';
import { backoffDelay } from '../core/refresh-policy.ts';

/** When credentials are refreshed and failures retried. Pure maths: every function takes `now`. */
export interface RefreshTiming {
  /** Refresh once this fraction of the lifetime (from fetch to expiry) has passed. */
  readonly fraction: number;
  /** ± this fraction of the delay is random so registries and replicas spread out. */
  readonly jitter: number;
  /** Never later than this long before expiry. */
  readonly marginMs: number;
  /** Credentials without expiry are re-read this often (a rotated static file is picked up). */
  readonly longLivedMs: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** No refresh is scheduled sooner than this after the last one, whatever the maths says. */
export const MIN_REFRESH_DELAY_MS = 1_000;

/**
 * The instant a credential fetched at `fetchedAt` should be refreshed: at `fraction` of its lifetime,
 * jittered by ± `jitter` of that delay, never later than `marginMs` before expiry, never before `now + 1 s`.
 */
export function nextRefreshAt(
  credential: Pick<Credential, 'expiresAt'>,
  fetchedAt: number,
  now: number,
  timing: RefreshTiming,
  random: () => number = Math.random,
): number {
  const earliest = now + MIN_REFRESH_DELAY_MS;
  if (credential.expiresAt === null) {
    const delay = timing.longLivedMs * (1 + (random() * 2 - 1) * timing.jitter);
    return Math.max(earliest, fetchedAt + delay);
  }
  const expires = credential.expiresAt.getTime();
  const delay = Math.max(0, expires - fetchedAt) * timing.fraction;
  const jittered = fetchedAt + delay * (1 + (random() * 2 - 1) * timing.jitter);
  return Math.max(earliest, Math.min(jittered, expires - timing.marginMs));
}

/** Exponential backoff with equal jitter (half fixed, half random), capped. `attempt` starts at 1. */
export function backoffMs(
  attempt: number,
  timing: RefreshTiming,
  random: () => number = Math.random,
): number {
  return backoffDelay(attempt, { initialMs: timing.initialBackoffMs, maxMs: timing.maxBackoffMs }, random);
}

/** Did the source hand back a different credential than the one in use (rotation)? */
export function isRotation(previous: Credential | undefined, next: Credential): boolean {
  if (previous === undefined) return true;
  return (
    previous.username !== next.username ||
    previous.password !== next.password ||
    (previous.expiresAt?.getTime() ?? null) !== (next.expiresAt?.getTime() ?? null)
  );
}
