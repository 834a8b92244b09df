import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { bearerChallenge } from './challenge.ts';
import type { BoundedHttp, HttpAnswer } from './http.ts';

/** Where and as what the ACR token exchange is addressed. */
export interface ExchangeTarget {
  /** `https://<registry>/oauth2/exchange`. */
  readonly endpoint: string;
  /** The `service` form field: the registry's own name for itself. */
  readonly service: string;
}

/** The default target, used when discovery is off or `/v2/` asks for no authentication. */
export function defaultExchangeTarget(registry: string): ExchangeTarget {
  return { endpoint: `https://${registry}/oauth2/exchange`, service: registry };
}

/**
 * Asks `GET https://<registry>/v2/` for its Bearer challenge and derives the exchange endpoint from the
 * realm. The realm must be on the registry's own host: the Entra token is never sent elsewhere.
 * Throws `ERR_CREDENTIAL_INVALID` (no or malformed challenge, foreign realm), `ERR_CREDENTIAL_FETCH`
 * (5xx, network), `ERR_CREDENTIAL_THROTTLED` (429), `ERR_TIMEOUT`, `ERR_ABORTED`.
 */
export async function discoverExchangeTarget(
  http: BoundedHttp,
  registry: string,
  signal: AbortSignal,
): Promise<ExchangeTarget> {
  const answer = await http({
    url: `https://${registry}/v2/`,
    method: 'GET',
    signal,
    what: `GET /v2/ on ${registry}`,
  });
  if (answer.status === 200) return defaultExchangeTarget(registry);
  if (answer.status !== 401) throw statusError(answer, `GET /v2/ on ${registry}`, registry);
  const header = answer.headers['www-authenticate'];
  if (header === undefined) {
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      `registry ${registry} answered 401 without WWW-Authenticate`,
      {
        details: { registry },
      },
    );
  }
  const challenge = bearerChallenge(header, registry);
  if (challenge.realm.host.toLowerCase() !== registry.toLowerCase()) {
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      `registry ${registry} points its token realm at another host (${challenge.realm.host}); refusing to send an Entra token there`,
      { details: { registry, realmHost: challenge.realm.host } },
    );
  }
  return {
    endpoint: `${challenge.realm.origin}/oauth2/exchange`,
    service: challenge.service ?? registry,
  };
}

export interface ExchangeRequest {
  readonly registry: string;
  readonly target: ExchangeTarget;
  readonly tenantId: string | undefined;
  readonly accessToken: string;
  /** Words naming the identity for errors. */
  readonly identityLabel: string;
  readonly signal: AbortSignal;
}

/**
 * Trades an Entra access token for an ACR refresh token (`POST /oauth2/exchange`).
 * Throws `ERR_CREDENTIAL_AUTH` (400/401/403: the identity may not use this registry),
 * `ERR_CREDENTIAL_THROTTLED` (429), `ERR_CREDENTIAL_FETCH` (5xx, network), `ERR_CREDENTIAL_INVALID`
 * (no refresh_token in the answer), `ERR_TIMEOUT`, `ERR_ABORTED`. Never puts a token in a message.
 */
export async function exchangeForRefreshToken(http: BoundedHttp, request: ExchangeRequest): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'access_token', service: request.target.service });
  if (request.tenantId !== undefined) form.set('tenant', request.tenantId);
  form.set('access_token', request.accessToken);
  const what = `ACR token exchange for ${request.registry}`;
  const answer = await http({
    url: request.target.endpoint,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form.toString(),
    signal: request.signal,
    what,
  });
  if (answer.status === 400 || answer.status === 401 || answer.status === 403) {
    const code = acrErrorCode(answer.body);
    throw new RegcredError(
      ErrorCode.CredentialAuth,
      `${what}: the registry rejected ${request.identityLabel} (HTTP ${answer.status}${code ? ` ${code}` : ''}); does it have the AcrPull role on ${request.registry}?`,
      {
        details: { registry: request.registry, identity: request.identityLabel, status: answer.status },
        retryable: false,
      },
    );
  }
  if (answer.status !== 200) throw statusError(answer, what, request.registry);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw new RegcredError(ErrorCode.CredentialInvalid, `${what}: the answer is not JSON`, {
      details: { registry: request.registry },
    });
  }
  const refreshToken = (parsed as { refresh_token?: unknown } | null)?.refresh_token;
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw new RegcredError(ErrorCode.CredentialInvalid, `${what}: the answer has no refresh_token`, {
      details: { registry: request.registry },
    });
  }
  return refreshToken;
}

/** 429 → throttled (with the server's Retry-After), 5xx → retryable fetch error, else invalid. */
function statusError(answer: HttpAnswer, what: string, registry: string): RegcredError {
  const retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
  const details = { registry, status: answer.status, retryAfterMs: retryAfterMs ?? null };
  if (answer.status === 429) {
    return new RegcredError(ErrorCode.CredentialThrottled, `${what}: throttled (HTTP 429)`, { details });
  }
  if (answer.status >= 500) {
    return new RegcredError(ErrorCode.CredentialFetch, `${what}: HTTP ${answer.status}`, { details });
  }
  return new RegcredError(ErrorCode.CredentialInvalid, `${what}: unexpected HTTP ${answer.status}`, {
    details,
  });
}

/** `Retry-After` in seconds (the HTTP-date form is not worth supporting for token endpoints). */
function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

/** The first `errors[].code` of a registry error body, if it is one (codes are fixed words, not secrets). */
function acrErrorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: unknown }[] };
    const code = parsed.errors?.[0]?.code;
    return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
