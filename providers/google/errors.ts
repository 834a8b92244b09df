import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { SecretScrubber } from '../../src/core/redaction.ts';

/** Who asked, for error messages: never a secret. */
export interface FailureContext {
  /** The registry host or `discovery` the token was for. */
  readonly registry: string;
  /** `metadata server at 169.254.169.254 (service account default)`, `service account x@y`, … */
  readonly identity: string;
  /** What failed, when not a credential: `Artifact Registry discovery for projects a, b`. */
  readonly action?: string;
}

/** `Google credential for gcr.io (service account x@y)`: the start of every failure message. */
export function failurePrefix(context: FailureContext): string {
  return `${context.action ?? `Google credential for ${context.registry}`} (${context.identity})`;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

const MAX_REASON = 240;

/** gRPC status codes (google.rpc.Code) to the HTTP status Google maps them to. */
const GRPC_TO_HTTP: Readonly<Record<number, number>> = {
  2: 500, // UNKNOWN
  3: 400, // INVALID_ARGUMENT
  4: 504, // DEADLINE_EXCEEDED
  5: 404, // NOT_FOUND
  7: 403, // PERMISSION_DENIED
  8: 429, // RESOURCE_EXHAUSTED
  9: 400, // FAILED_PRECONDITION
  13: 500, // INTERNAL
  14: 503, // UNAVAILABLE
  16: 401, // UNAUTHENTICATED
};
const shapes = new SecretScrubber();

/** Turns whatever google-auth-library, gaxios, gax or undici threw into a RegcredError. */
export function classifyFailure(error: unknown, context: FailureContext): RegcredError {
  if (error instanceof RegcredError) return error;
  const where = failurePrefix(context);
  const details = { registry: context.registry, identity: context.identity };
  const status = httpStatus(error);
  if (status !== undefined) {
    const reason =
      responseReason(error) ||
      ((error as { name?: unknown }).name === 'GoogleError' ? safeText(messageOf(error)) : '');
    const suffix = reason === '' ? '' : `: ${reason}`;
    const withStatus = { ...details, status };
    if (status === 429) {
      return new RegcredError(ErrorCode.CredentialThrottled, `${where}: throttled (HTTP 429)${suffix}`, {
        details: withStatus,
      });
    }
    if (status >= 500) {
      return new RegcredError(ErrorCode.CredentialFetch, `${where}: server error (HTTP ${status})${suffix}`, {
        details: withStatus,
      });
    }
    if (status === 408) {
      return new RegcredError(ErrorCode.Timeout, `${where}: request timeout (HTTP 408)`, {
        details: withStatus,
      });
    }
    return new RegcredError(
      ErrorCode.CredentialAuth,
      `${where}: rejected (HTTP ${status})${hint(status, context)}${suffix}`,
      {
        details: withStatus,
      },
    );
  }
  const code = networkCode(error);
  if (code !== undefined) {
    return new RegcredError(ErrorCode.CredentialFetch, `${where}: cannot reach the endpoint (${code})`, {
      details: { ...details, errno: code },
    });
  }
  return new RegcredError(ErrorCode.CredentialFetch, `${where}: ${safeText(messageOf(error))}`, { details });
}

function hint(status: number, context: FailureContext): string {
  if (!context.identity.startsWith('metadata server')) return '';
  if (status === 404) {
    return ' — no token for this service account; on GKE check that Workload Identity is enabled and the Kubernetes service account is bound';
  }
  if (status === 403) return ' — the instance or node pool lacks the access scope or permission';
  return '';
}

export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const direct = (error as { status?: unknown }).status;
  if (typeof direct === 'number' && direct >= 100) return direct;
  const response = (error as { response?: { status?: unknown } }).response;
  if (typeof response?.status === 'number') return response.status;
  // gax (Artifact Registry) errors: the HTTP status when it has one, else the gRPC code.
  const httpStatusCode = (error as { httpStatusCode?: unknown }).httpStatusCode;
  if (typeof httpStatusCode === 'number' && httpStatusCode >= 100) return httpStatusCode;
  if ((error as { name?: unknown }).name === 'GoogleError') {
    const grpc = (error as { code?: unknown }).code;
    if (typeof grpc === 'number') return GRPC_TO_HTTP[grpc];
  }
  return undefined;
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The server's own short reason (`invalid_grant: …`, `PERMISSION_DENIED: …`), without secrets. */
function responseReason(error: unknown): string {
  const data = (error as { response?: { data?: unknown } }).response?.data;
  let parsed: unknown = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch {
      return '';
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return '';
  const body = parsed as { error?: unknown; error_description?: unknown };
  if (typeof body.error === 'string') {
    const description = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
    return safeText(`${body.error}${description}`);
  }
  if (typeof body.error === 'object' && body.error !== null) {
    const google = body.error as { status?: unknown; message?: unknown };
    const parts = [google.status, google.message].filter((part) => typeof part === 'string');
    return safeText(parts.join(': '));
  }
  return '';
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Server and library text is bounded and scrubbed of anything shaped like a token or key. */
export function safeText(text: string): string {
  const oneLine = shapes.scrub(text).replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON)}…` : oneLine;
}
