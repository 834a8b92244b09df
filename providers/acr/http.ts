import type { Dispatcher } from 'undici';
import type { Clock } from '../../src/core/clock.ts';
import { ErrorCode, errorMessage, RegcredError } from '../../src/core/errors.ts';
import { flattenHeaders, readCapped } from '../../src/core/http-body.ts';

/** Largest response body the ACR provider reads: token and challenge answers are a few KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpCall {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Aborts the call (the caller's signal). */
  readonly signal?: AbortSignal;
  /** Words naming the call for errors: `ACR exchange for x.azurecr.io`. Never a secret. */
  readonly what: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface BoundedHttpOptions {
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  /** Whole-call deadline: connect, headers and body together. */
  readonly timeoutMs: number;
  readonly maxBodyBytes?: number;
}

/** One HTTP call with a deadline and a body cap; the only way this provider talks to the network. */
export type BoundedHttp = (call: HttpCall) => Promise<HttpAnswer>;

/**
 * Builds the provider's HTTP function on `dispatcher` (proxy and CA already applied by regcred).
 * The deadline runs on `clock`, so tests can fire it without waiting; undici's own header and body
 * timeouts back it up in real time. Throws `RegcredError`: `ERR_TIMEOUT`, `ERR_ABORTED`,
 * `ERR_CREDENTIAL_FETCH` (network), `ERR_CREDENTIAL_INVALID` (body over the cap). Any status is
 * returned, not thrown: callers decide what a status means.
 */
export function boundedHttp(options: BoundedHttpOptions): BoundedHttp {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return async (call) => {
    if (call.signal?.aborted) throw abortedError(call.what, call.signal.reason);
    const controller = new AbortController();
    const stopTimer = new AbortController();
    let timedOut = false;
    options.clock.sleep(options.timeoutMs, stopTimer.signal).then(
      () => {
        timedOut = true;
        controller.abort(new Error('deadline'));
      },
      () => {},
    );
    const onCallerAbort = () => controller.abort(call.signal?.reason);
    call.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const failure = (error: unknown): RegcredError => {
      if (error instanceof RegcredError) return error;
      if (timedOut) {
        return new RegcredError(ErrorCode.Timeout, `${call.what} took longer than ${options.timeoutMs} ms`, {
          cause: error,
          details: { timeoutMs: options.timeoutMs },
        });
      }
      if (call.signal?.aborted) return abortedError(call.what, error);
      if (isUndiciTimeout(error)) {
        return new RegcredError(ErrorCode.Timeout, `${call.what} timed out (${errorCode(error)})`, {
          cause: error,
        });
      }
      return new RegcredError(ErrorCode.CredentialFetch, `${call.what} failed: ${errorMessage(error)}`, {
        cause: error,
      });
    };
    try {
      const response = await options.dispatcher.request({
        origin: new URL(call.url).origin,
        path: pathOf(call.url),
        method: call.method,
        headers: call.headers,
        body: call.body,
        signal: controller.signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        response.body.destroy();
        throw tooLarge(call.what, maxBodyBytes);
      }
      const encoding = response.headers['content-encoding'];
      if (encoding !== undefined && String(encoding).toLowerCase() !== 'identity') {
        response.body.destroy();
        throw new RegcredError(
          ErrorCode.CredentialInvalid,
          `${call.what}: unexpected ${String(encoding)} response`,
          {
            details: { contentEncoding: String(encoding) },
          },
        );
      }
      const body = await readCapped(response.body, maxBodyBytes, () => tooLarge(call.what, maxBodyBytes));
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: body.toString('utf8'),
      };
    } catch (error) {
      throw failure(error);
    } finally {
      stopTimer.abort();
      call.signal?.removeEventListener('abort', onCallerAbort);
    }
  };
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

function tooLarge(what: string, max: number): RegcredError {
  return new RegcredError(ErrorCode.CredentialInvalid, `${what}: response body is larger than ${max} bytes`, {
    details: { maxBodyBytes: max },
  });
}

function abortedError(what: string, cause: unknown): RegcredError {
  return new RegcredError(ErrorCode.Aborted, `${what} was cancelled`, { cause, retryable: false });
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'timeout';
}

function isUndiciTimeout(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  );
}
