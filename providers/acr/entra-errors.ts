import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { ErrorCode, isRegcredError, RegcredError } from '../../src/core/errors.ts';
import type { EntraIdentity } from './entra.ts';

/** MSAL client/server error codes that mean "this identity is not accepted", not "try again". */
const AUTH_ERROR_CODES = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_request',
  'invalid_scope',
  'invalid_resource',
  'access_denied',
]);

/**
 * Maps what @azure/identity (and MSAL beneath it) throws onto regcred codes. The message keeps the
 * OAuth error code and AADSTS number (enough to act on) and drops the description. `transportError`
 * is the last error our transport raised: MSAL hides it behind a bare `network_error`.
 */
export function entraError(
  error: unknown,
  identity: EntraIdentity,
  transportError?: RegcredError,
): RegcredError {
  const inner = findRegcredError(error);
  if (inner) return inner;
  const facts = oauthFacts(error);
  if (facts.code === 'network_error' && transportError) return transportError;
  const aadsts = facts.aadsts;
  const what = `Entra ID ${facts.code ?? 'error'}${aadsts ? ` ${aadsts}` : ''}${facts.status ? ` (HTTP ${facts.status})` : ''}`;
  const details = {
    identity: identity.label,
    status: facts.status ?? null,
    entraError: facts.code ?? null,
    aadsts: aadsts ?? null,
  };
  if (facts.status === 429) {
    return new RegcredError(ErrorCode.CredentialThrottled, `${what}: throttled for ${identity.label}`, {
      details,
    });
  }
  if ((facts.status !== undefined && facts.status >= 500) || facts.code === 'temporarily_unavailable') {
    return new RegcredError(ErrorCode.CredentialFetch, `${what} for ${identity.label}`, { details });
  }
  if (
    (facts.code !== undefined && AUTH_ERROR_CODES.has(facts.code)) ||
    facts.status === 400 ||
    facts.status === 401 ||
    facts.status === 403
  ) {
    return new RegcredError(ErrorCode.CredentialAuth, `${what}: Entra ID rejected ${identity.label}`, {
      details,
      retryable: false,
    });
  }
  if (error instanceof CredentialUnavailableError) {
    return new RegcredError(
      ErrorCode.CredentialSource,
      `${identity.label} is not available here: ${firstLine(error.message)}`,
      { details: { identity: identity.label } },
    );
  }
  const message = (error instanceof Error ? firstLine(error.message) : '') || 'no reason given';
  return new RegcredError(
    ErrorCode.CredentialFetch,
    `getting an Entra ID token for ${identity.label} failed: ${message}`,
    { details },
  );
}

interface OAuthFacts {
  readonly code?: string;
  readonly status?: number;
  readonly aadsts?: string;
}

/** The OAuth error code, HTTP status and AADSTS number, wherever in the cause chain they sit. */
function oauthFacts(error: unknown): OAuthFacts {
  let code: string | undefined;
  let status: number | undefined;
  let aadsts: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const item = current as {
      errorCode?: unknown;
      status?: unknown;
      statusCode?: unknown;
      errorMessage?: unknown;
      errorResponse?: { error?: unknown; errorDescription?: unknown };
    };
    if (code === undefined && typeof item.errorResponse?.error === 'string') code = item.errorResponse.error;
    if (code === undefined && typeof item.errorCode === 'string') code = item.errorCode;
    const itemStatus = typeof item.status === 'number' ? item.status : item.statusCode;
    if (status === undefined && typeof itemStatus === 'number' && itemStatus > 0) status = itemStatus;
    for (const text of [item.errorMessage, item.errorResponse?.errorDescription]) {
      if (aadsts === undefined && typeof text === 'string') aadsts = /AADSTS\d+/.exec(text)?.[0];
    }
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof AuthenticationError && status === undefined) status = error.statusCode || undefined;
  return {
    ...(code !== undefined && /^[a-z_]{1,60}$/.test(code) ? { code } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(aadsts !== undefined ? { aadsts } : {}),
  };
}

function findRegcredError(error: unknown): RegcredError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    if (isRegcredError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}
