/**
 * Assumed lifetime of an ACR refresh token whose expiry cannot be read. ACR issues ~3 h tokens and
 * sometimes ~75 min ones; 30 min is well under both, so regcred refreshes early rather than hand out
 * a dead token.
 */
export const FALLBACK_LIFETIME_MS = 30 * 60 * 1000;

/** Largest JWT payload worth decoding; ACR tokens are well under 4 KiB. */
const MAX_PAYLOAD_CHARS = 16 * 1024;

export type JwtExpiry =
  | { readonly kind: 'exp'; readonly expiresAt: Date }
  /** No usable `exp`: `expiresAt` is `now + FALLBACK_LIFETIME_MS`; `reason` says why (no secret). */
  | { readonly kind: 'fallback'; readonly expiresAt: Date; readonly reason: string };

/**
 * Reads the `exp` claim of a JWT without verifying it (the registry verifies its own tokens; regcred
 * only needs to know when to refresh). Never throws: anything unreadable yields the conservative
 * fallback. `now` is milliseconds since the epoch.
 */
export function jwtExpiry(token: string, now: number): JwtExpiry {
  const fallback = (reason: string): JwtExpiry => ({
    kind: 'fallback',
    expiresAt: new Date(now + FALLBACK_LIFETIME_MS),
    reason,
  });
  const payload = jwtPayload(token);
  if (typeof payload === 'string') return fallback(payload);
  const exp = payload.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return fallback('the token has no numeric exp claim');
  // Seconds since the epoch; a value in milliseconds (or absurdly far) would mean a broken issuer.
  if (exp <= 0 || exp > 1e11) return fallback('the exp claim is out of range');
  return { kind: 'exp', expiresAt: new Date(Math.floor(exp) * 1000) };
}

/**
 * The decoded payload object of a compact JWS, or a reason string when it is not one.
 * Exported for reading non-secret claims such as `tid`.
 */
export function jwtPayload(token: string): Record<string, unknown> | string {
  const parts = token.split('.');
  if (parts.length !== 3) return 'the token is not a JWT';
  const encoded = parts[1] ?? '';
  if (encoded === '' || encoded.length > MAX_PAYLOAD_CHARS || !/^[A-Za-z0-9_-]+$/.test(encoded)) {
    return 'the JWT payload is not base64url';
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return 'the JWT payload is not JSON';
  }
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) {
    return 'the JWT payload is not an object';
  }
  return decoded as Record<string, unknown>;
}
