import { ErrorCode, errorMessage, RegcredError } from '../core/errors.ts';

/** Which call failed: named in the error so operators see the namespace and object. */
export interface KubeCallContext {
  readonly verb: string;
  readonly resource: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
}

interface StatusLike {
  reason?: unknown;
  message?: unknown;
}

// A long base64 run in a server message could be Secret data echoed back (a webhook quoting the
// object): cut it out before the message goes anywhere.
const LONG_BASE64 = /[A-Za-z0-9+/=_-]{40,}/g;

/** The HTTP status of a failed call, from client-node's ApiException, a watch error or our own error. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof RegcredError) {
    const status = error.details.status;
    return typeof status === 'number' ? status : undefined;
  }
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    const statusCode = (error as { statusCode?: unknown }).statusCode;
    if (typeof statusCode === 'number') return statusCode;
  }
  return undefined;
}

/** `Retry-After` seconds of a 429/503, if the server sent one. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (error instanceof RegcredError) {
    const value = error.details.retryAfterSeconds;
    return typeof value === 'number' ? value : undefined;
  }
  const headers = (error as { headers?: unknown } | null)?.headers;
  if (headers === null || typeof headers !== 'object') return undefined;
  const raw = (headers as Record<string, unknown>)['retry-after'];
  const seconds = typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/**
 * Wraps a client-node failure as `ERR_KUBE_API` with the status, the Kubernetes `reason` and a short
 * server message, never the response body or the request (which may carry Secret data).
 * Conflicts (409), forbidden (403) and invalid (422) are not retryable as-is; 429 and 5xx are.
 */
export function toKubeError(error: unknown, context: KubeCallContext): RegcredError {
  if (error instanceof RegcredError) return error;
  const status = statusOf(error);
  const body = parseStatus((error as { body?: unknown } | null)?.body);
  const reason = typeof body?.reason === 'string' ? body.reason : undefined;
  const serverMessage =
    typeof body?.message === 'string' ? body.message.replace(LONG_BASE64, '[…]').slice(0, 300) : undefined;
  const where = [context.namespace, context.name].filter((part) => part !== undefined).join('/');
  const what = `${context.verb} ${context.resource}${where === '' ? '' : ` ${where}`}`;
  const detail =
    status === undefined
      ? `: ${errorMessage(error).split('\n')[0]?.replace(LONG_BASE64, '[…]').slice(0, 200) ?? 'request failed'}`
      : `: HTTP ${status}${reason ? ` ${reason}` : ''}${serverMessage ? `: ${serverMessage}` : ''}`;
  const retryAfter = retryAfterSeconds(error);
  return new RegcredError(ErrorCode.KubeApi, `kubernetes ${what} failed${detail}`, {
    retryable: status === undefined || status === 429 || status >= 500,
    details: {
      verb: context.verb,
      resource: context.resource,
      namespace: context.namespace ?? null,
      name: context.name ?? null,
      status: status ?? null,
      reason: reason ?? null,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
    },
  });
}

function parseStatus(body: unknown): StatusLike | undefined {
  if (typeof body === 'string') {
    try {
      return parseStatus(JSON.parse(body));
    } catch {
      return undefined;
    }
  }
  return body !== null && typeof body === 'object' ? (body as StatusLike) : undefined;
}
