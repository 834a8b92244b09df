import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { ErrorCode, errorMessage, RegcredError } from '../core/errors.ts';
import { OciError } from './oci-error.ts';
import type { ForwarderOptions, ForwardRequest } from './upstream-forwarder.ts';
import type { UpstreamTarget } from './upstream-target.ts';

/** Response headers passed to the client. */
const PASSED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'docker-content-digest',
  'etag',
  'last-modified',
  'retry-after',
  'oci-filters-applied',
  'cache-control',
];
export const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Bodies of 401s and followed redirects are drained up to this size to keep the connection; else dropped. */
const MAX_DISCARD = 64 * 1024;
export type Outcome =
  | { readonly kind: 'done'; readonly bytes: number }
  | { readonly kind: 'unauthorized'; readonly challenge: string | undefined }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'failed'; readonly error: Error };

export const DONE: Outcome = { kind: 'done', bytes: 0 };

export function clientGoneError(): RegcredError {
  return new RegcredError(ErrorCode.Aborted, 'client went away');
}

/**
 * One upstream request as an undici dispatch handler (a class, not closures: it runs once per request).
 * Decides on the response headers: stream to the client, or drain and report a 401 / redirect.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly #options: ForwarderOptions;
  readonly #request: ForwardRequest;
  readonly #res: ServerResponse;
  readonly #origin: string;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  readonly #canRetryAuth: boolean;
  readonly #resolve: (outcome: Outcome) => void;
  readonly #started = performance.now();
  #mode: 'pending' | 'stream' | 'discard' = 'pending';
  #decided: Outcome | undefined;
  #discarded = 0;
  #written = 0;
  #waitingForDrain = false;
  #controller: Dispatcher.DispatchController | undefined;
  #settled = false;
  #gone: Error | undefined;

  constructor(
    options: ForwarderOptions,
    request: ForwardRequest,
    res: ServerResponse,
    attempt: { origin: string; path: string; headers: Record<string, string>; canRetryAuth: boolean },
    resolve: (outcome: Outcome) => void,
  ) {
    this.#options = options;
    this.#request = request;
    this.#res = res;
    this.#origin = attempt.origin;
    this.#path = attempt.path;
    this.#headers = attempt.headers;
    this.#canRetryAuth = attempt.canRetryAuth;
    this.#resolve = resolve;
  }

  start(clientAborted: boolean): void {
    if (clientAborted) {
      this.#settle({ kind: 'failed', error: clientGoneError() });
      return;
    }
    try {
      const method = this.#request.method;
      this.#options.dispatcher.dispatch(
        // undici closes the connection after every HEAD unless told otherwise (a guard against servers that
        // send a body anyway). Registries do not, and containerd resolves every pull with a HEAD: without
        // `reset: false` each one would cost a new upstream connection and, in production, a TLS handshake.
        {
          origin: this.#origin,
          path: this.#path,
          method,
          headers: this.#headers,
          reset: method === 'HEAD' ? false : undefined,
        },
        this,
      );
    } catch (error) {
      this.#settle({ kind: 'failed', error: error as Error });
    }
  }

  clientGone(): void {
    const error = clientGoneError();
    this.#gone = error;
    this.#controller?.abort(error);
    this.#settle({ kind: 'failed', error });
  }

  #settle(outcome: Outcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(outcome.kind === 'done' ? { kind: 'done', bytes: this.#written } : outcome);
  }

  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.#controller?.resume();
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // The client went away while this request waited for a connection: it must not start streaming into a
    // closed response (it would pause on a drain that never comes and hold its upstream connection).
    if (this.#gone !== undefined) controller.abort(this.#gone);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    upstreamHeaders: IncomingHttpHeaders,
  ): void {
    const request = this.#request;
    const res = this.#res;
    this.#options.metrics.upstreamLatency(
      request.target.host,
      request.route,
      (performance.now() - this.#started) / 1000,
    );
    if (statusCode === 401 && this.#origin === request.target.origin) {
      this.#mode = 'discard';
      const challenge = upstreamHeaders['www-authenticate'];
      this.#decided = this.#canRetryAuth
        ? { kind: 'unauthorized', challenge: Array.isArray(challenge) ? challenge.join(', ') : challenge }
        : { kind: 'failed', error: upstreamDenied(request.target) };
      return;
    }
    const location = upstreamHeaders.location;
    if (isRedirect(statusCode) && typeof location === 'string') {
      this.#mode = 'discard';
      if (this.#options.redirects === 'follow') {
        this.#decided = { kind: 'redirect', location };
        return;
      }
      let absolute: string | undefined;
      try {
        absolute = new URL(location, `${this.#origin}${this.#path}`).href;
      } catch {
        absolute = undefined;
      }
      if (absolute === undefined || !SAFE_VALUE.test(absolute)) {
        this.#decided = {
          kind: 'failed',
          error: new OciError(502, 'UNKNOWN', 'upstream sent an invalid redirect'),
        };
        return;
      }
      res.writeHead(statusCode, { location: absolute, 'content-length': '0' });
      res.end();
      this.#decided = DONE;
      return;
    }
    try {
      res.writeHead(statusCode, responseHeaders(upstreamHeaders, request.rewriteLink));
    } catch (error) {
      this.#mode = 'discard';
      this.#decided = {
        kind: 'failed',
        error: new OciError(502, 'UNKNOWN', `upstream headers refused: ${errorMessage(error)}`),
      };
      return;
    }
    this.#mode = 'stream';
    if (request.method === 'HEAD') res.end();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#mode === 'stream') {
      this.#written += chunk.length;
      if (!this.#res.write(chunk) && !this.#waitingForDrain) {
        // A destroyed response never drains: stop instead of pausing forever.
        if (this.#res.destroyed) {
          controller.abort(clientGoneError());
          return;
        }
        this.#waitingForDrain = true;
        controller.pause();
        this.#res.once('drain', this.#onDrain);
      }
      return;
    }
    this.#discarded += chunk.length;
    if (this.#discarded > MAX_DISCARD) controller.abort(new Error('discarded body too large'));
  }

  onResponseEnd(): void {
    if (this.#mode === 'stream') {
      if (this.#request.method !== 'HEAD') this.#res.end();
      this.#settle(DONE);
      return;
    }
    this.#settle(this.#decided ?? DONE);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#waitingForDrain) this.#res.off('drain', this.#onDrain);
    if (this.#mode === 'stream') {
      // Headers (and maybe part of the body) are out: cutting the connection is the only honest signal
      // left; the client sees a short body against Content-Length.
      this.#res.destroy(error);
      this.#settle(DONE);
      return;
    }
    this.#settle(
      this.#mode === 'discard' && this.#decided !== undefined ? this.#decided : { kind: 'failed', error },
    );
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function responseHeaders(
  upstream: IncomingHttpHeaders,
  rewriteLink: ForwardRequest['rewriteLink'],
): Record<string, string> {
  const out: Record<string, string> = { 'docker-distribution-api-version': 'registry/2.0' };
  for (const name of PASSED_RESPONSE_HEADERS) {
    const value = upstream[name];
    if (typeof value === 'string') out[name] = value;
  }
  const link = upstream.link;
  if (typeof link === 'string' && rewriteLink !== undefined) {
    const rewritten = rewriteLink(link);
    if (rewritten !== undefined) out.link = rewritten;
  }
  return out;
}

export function upstreamDenied(target: UpstreamTarget): OciError {
  return new OciError(
    401,
    'UNAUTHORIZED',
    `upstream registry ${target.host} refused the proxy's credentials`,
  );
}
