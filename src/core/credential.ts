/**
 * A registry credential as every provider returns it and every mode consumes it.
 * `password` is a secret: it never reaches a log, an error, an event or a metric.
 */
export interface Credential {
  readonly username: string;
  readonly password: string;
  /** When the registry stops accepting the password; null for long-lived credentials. */
  readonly expiresAt: Date | null;
  /**
   * Every registry host (host[:port], lower case) this one credential is good for. Always contains the
   * host it was fetched for. An ECR token covers every host form of its account and region.
   */
  readonly hosts: readonly string[];
  /** Non-secret words on where it came from (`aws:arn:aws:sts::…:assumed-role/x`, `static:file`). */
  readonly source?: string;
}

/** The identity-token username docker uses for refresh tokens (PROTOCOLS §8). */
export const IDENTITY_TOKEN_USERNAME = '<token>';

/** Seconds of life left at `now`, or Infinity for a long-lived credential. */
export function remainingMs(credential: Pick<Credential, 'expiresAt'>, now: number): number {
  return credential.expiresAt === null ? Number.POSITIVE_INFINITY : credential.expiresAt.getTime() - now;
}

export function isExpired(credential: Pick<Credential, 'expiresAt'>, now: number): boolean {
  return remainingMs(credential, now) <= 0;
}

/**
 * Is `candidate` at least as good as `current`? A refresh must never replace a credential with an
 * empty, already expired or older one (an older expiry means a stale token came back).
 */
export function isUsableReplacement(
  candidate: Credential,
  current: Credential | undefined,
  now: number,
): boolean {
  if (candidate.username === '' || candidate.password === '') return false;
  if (isExpired(candidate, now)) return false;
  if (current === undefined || current.expiresAt === null || candidate.expiresAt === null) return true;
  return candidate.expiresAt.getTime() >= current.expiresAt.getTime();
}
