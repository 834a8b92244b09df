import { Readable } from 'node:stream';
import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandler } from '@smithy/types';
import { type Dispatcher, request } from 'undici';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { flattenHeaders, readCapped } from '../../src/core/http-body.ts';

/** AWS API answers are small JSON or XML documents; anything bigger is not AWS. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface UndiciHttpHandlerOptions {
  readonly dispatcher: Dispatcher;
  /** Whole-request budget (connect, headers, body) for one AWS API call. */
  readonly requestTimeoutMs: number;
}

/**
 * A smithy request handler that sends every AWS SDK call through regcred's undici dispatcher, so
 * HTTP(S)_PROXY, NO_PROXY and the extra CA bundle apply to ECR and STS like to every other call
 * (the SDK's default node:https handler would ignore them).
 *
 * Throws `ERR_TIMEOUT` when the request budget runs out; undici's own errors (connection refused,
 * reset) pass through unchanged; an abort through `abortSignal` rejects with the signal's reason.
 */
export class UndiciHttpHandler implements RequestHandler<HttpRequest, HttpResponse, HttpHandlerOptions> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly #options: UndiciHttpHandlerOptions;

  constructor(options: UndiciHttpHandlerOptions) {
    this.#options = options;
  }

  async handle(
    httpRequest: HttpRequest,
    handlerOptions: HttpHandlerOptions = {},
  ): Promise<{ response: HttpResponse }> {
    const timeoutMs = handlerOptions.requestTimeout ?? this.#options.requestTimeoutMs;
    const budget = AbortSignal.timeout(timeoutMs);
    const callerSignal = handlerOptions.abortSignal as AbortSignal | undefined;
    const signal = callerSignal ? AbortSignal.any([callerSignal, budget]) : budget;
    const url = requestUrl(httpRequest);
    try {
      const answer = await request(url, {
        method: httpRequest.method as Dispatcher.HttpMethod,
        headers: httpRequest.headers,
        body: requestBody(httpRequest.body),
        dispatcher: this.#options.dispatcher,
        signal,
      });
      const body = await readCapped(
        answer.body,
        MAX_RESPONSE_BYTES,
        () =>
          new RegcredError(
            ErrorCode.CredentialInvalid,
            `AWS API response from ${url.host} exceeds ${MAX_RESPONSE_BYTES} bytes`,
          ),
      );
      return {
        response: {
          statusCode: answer.statusCode,
          headers: flattenHeaders(answer.headers),
          body: Readable.from([body]),
        },
      };
    } catch (error) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (budget.aborted) {
        throw new RegcredError(
          ErrorCode.Timeout,
          `AWS API call to ${url.host} timed out after ${timeoutMs} ms`,
        );
      }
      throw error;
    }
  }

  updateHttpClientConfig(): void {
    // Nothing to update: the dispatcher and the budget are fixed at construction.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    // The dispatcher belongs to regcred, not to this handler: never close it here.
  }
}

function requestUrl(httpRequest: HttpRequest): URL {
  const port = httpRequest.port === undefined ? '' : `:${httpRequest.port}`;
  const url = new URL(`${httpRequest.protocol}//${httpRequest.hostname}${port}${httpRequest.path}`);
  const query = buildQuery(httpRequest.query ?? {});
  if (query !== '') url.search = query;
  return url;
}

/** RFC 3986 escaping, as the signer used when it built the canonical query string. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function buildQuery(query: Readonly<Record<string, string | null | (string | null)[]>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      parts.push(item === null ? escapeUri(key) : `${escapeUri(key)}=${escapeUri(item)}`);
    }
  }
  return parts.join('&');
}

function requestBody(body: unknown): string | Uint8Array | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable) return body;
  throw new RegcredError(ErrorCode.Internal, 'unsupported AWS SDK request body type');
}
