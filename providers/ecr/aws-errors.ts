import { isRegcredError } from '../../src/core/errors.ts';

/** What an AWS failure means for us: retry it, give up on the identity, or give up on the call. */
export type AwsFailureKind = 'throttled' | 'transient' | 'timeout' | 'auth' | 'invalid' | 'other';

export interface AwsFailure {
  readonly kind: AwsFailureKind;
  /** The AWS error code (`ThrottlingException`) or the JS error name; never the message. */
  readonly name: string;
  readonly httpStatus: number | null;
  readonly requestId: string | null;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
]);

/** The identity itself was refused or is unusable: retrying the same call cannot help. */
const AUTH = new Set([
  'UnrecognizedClientException',
  'AccessDeniedException',
  'AccessDenied',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'InvalidIdentityToken',
  'IDPRejectedClaim',
  'RegionDisabledException',
  'MalformedPolicyDocument',
  'PackedPolicyTooLarge',
  'AuthFailure',
  'NotAuthorized',
  'CredentialsProviderError',
]);

const TRANSIENT = new Set([
  'ServerException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'IDPCommunicationError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Network-level failures from undici or node: the call never got an AWS answer. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Classifies an error thrown by an AWS SDK call (or its credential provider) without reading its message. */
export function classifyAwsFailure(error: unknown): AwsFailure {
  const record = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  const name = firstString(record.Code, record.name) ?? 'Error';
  const status =
    typeof record.$metadata?.httpStatusCode === 'number' ? record.$metadata.httpStatusCode : null;
  const requestId = typeof record.$metadata?.requestId === 'string' ? record.$metadata.requestId : null;
  const base = { name, httpStatus: status, requestId };

  if (isRegcredError(error)) {
    return { ...base, name: error.code, kind: error.code === 'ERR_TIMEOUT' ? 'timeout' : 'other' };
  }
  if (THROTTLING.has(name) || status === 429) return { ...base, kind: 'throttled' };
  if (AUTH.has(name)) return { ...base, kind: 'auth' };
  if (TRANSIENT.has(name) || (status !== null && status >= 500)) return { ...base, kind: 'transient' };
  if (name === 'TimeoutError') return { ...base, kind: 'timeout' };
  const code = typeof record.code === 'string' ? record.code : undefined;
  if (code !== undefined && NETWORK_CODES.has(code)) return { ...base, name: code, kind: 'transient' };
  const causeCode = networkCodeOfCause(error);
  if (causeCode !== undefined) return { ...base, name: causeCode, kind: 'transient' };
  if (status === 401 || status === 403) return { ...base, kind: 'auth' };
  // A successful status whose body the SDK could not read (malformed JSON, a non-numeric timestamp).
  if (status !== null && status >= 200 && status < 300) return { ...base, kind: 'invalid' };
  return { ...base, kind: 'other' };
}

function networkCodeOfCause(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

/** `ThrottlingException (HTTP 400, request id abc)`: the words an error message may carry. */
export function describeFailure(failure: AwsFailure): string {
  const facts: string[] = [];
  if (failure.httpStatus !== null) facts.push(`HTTP ${failure.httpStatus}`);
  if (failure.requestId !== null) facts.push(`request id ${failure.requestId}`);
  return facts.length === 0 ? failure.name : `${failure.name} (${facts.join(', ')})`;
}
