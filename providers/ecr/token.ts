import { ErrorCode, RegcredError } from '../../src/core/errors.ts';

/** ECR tokens live 12 hours; used only when an answer carries no `expiresAt`. */
export const ECR_TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** The fields of ECR's (or ECR Public's) `authorizationData` that regcred reads. */
export interface AuthorizationData {
  readonly authorizationToken?: string | undefined;
  /** The SDK hands a Date; a raw answer may carry epoch seconds (with fraction) or an ISO string. */
  readonly expiresAt?: Date | number | string | undefined;
}

export interface DecodedToken {
  readonly username: string;
  readonly password: string;
  readonly expiresAt: Date;
}

/**
 * Decodes `authorizationToken` (base64 `AWS:<password>`, split on the first `:`) and the expiry.
 * Throws `ERR_CREDENTIAL_INVALID` naming the registry when the token is missing or malformed; the
 * message never carries the token.
 */
export function decodeAuthorizationData(
  data: AuthorizationData,
  registry: string,
  now: number,
): DecodedToken {
  const token = data.authorizationToken;
  if (typeof token !== 'string' || token === '') {
    throw invalid(registry, 'the answer carries no authorizationToken');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw invalid(registry, 'authorizationToken is not base64');
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw invalid(registry, 'authorizationToken does not decode to <user>:<password>');
  }
  const expiresAt = parseExpiresAt(data.expiresAt, registry) ?? new Date(now + ECR_TOKEN_LIFETIME_MS);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), expiresAt };
}

/**
 * `expiresAt` as a Date: a Date, epoch seconds (`1767225600.123`, number or numeric string) or an ISO
 * 8601 string. Undefined when absent; throws `ERR_CREDENTIAL_INVALID` when present but unreadable.
 */
export function parseExpiresAt(value: AuthorizationData['expiresAt'], registry: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number') date = new Date(Math.round(value * 1000));
  else if (/^\d+(\.\d+)?$/.test(value.trim())) date = new Date(Math.round(Number(value) * 1000));
  else date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw invalid(registry, 'expiresAt is neither epoch seconds nor an ISO date');
  return date;
}

function invalid(registry: string, why: string): RegcredError {
  return new RegcredError(ErrorCode.CredentialInvalid, `ECR registry ${registry}: ${why}`, {
    details: { registry },
  });
}
