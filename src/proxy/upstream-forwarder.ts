import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { ErrorCode, errorMessage, isRegcredError, RegcredError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { OciError } from './oci-error.ts';
import { writeOciError } from './oci-response.ts';
import type { ProxyMetrics } from './proxy-metrics.ts';
import type { UpstreamAuth } from './upstream-auth.ts';
import type { UpstreamTarget } from './upstream-target.ts';

export type RedirectMode = 'follow' | 'pass';

export interface ForwarderOptions {
  readonly dispatcher: Dispatcher;
  readonly auth: UpstreamAuth;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly redirects: RedirectMode;
  readonly maxRedirects: number;
}

/** One client request, already validated and routed. */
export interface ForwardRequest {
  readonly method: 'GET' | 'HEAD';
  /** manifests | blobs | tags | referrers (metrics label). */
  readonly route: string;
  readonly target: UpstreamTarget;
  /** Upstream path and query: `/v2/<repository>/<kind>/<reference>?…`. */
  readonly path: string;
  /** `repository:<repository>:pull` */
  readonly scope: string;
  /** Client headers; only the ones in FORWARDED_REQUEST_HEADERS are sent upstream. */
  readonly headers: IncomingHttpHeaders;
  /** Rewrites an upstream `Link` (tags pagination) into the client's name space. */
  readonly rewriteLink?: (link: string) => string | undefined;
}

/** Request headers that matter for pulls. Never `authorization`, `cookie`, `host` or hop-by-hop ones. */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'range',
  'if-none-match',
  'if-match',
  'if-modified-since',
  'if-range',
];
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
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Bodies of 401s and followed redirects are drained up to this size to keep the connection; else dropped. */
const MAX_DISCARD = 64 * 1024;
const USER_AGENT = 'regcred-proxy';

type Outcome =
  | { readonly kind: 'done'; readonly bytes: number }
  | { readonly kind: 'unauthorized'; readonly challenge: string | undefined }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'failed'; readonly error: Error };

const DONE: Outcome = { kind: 'done', bytes: 0 };

/** The client side of one proxied request: whether it went away, and an AbortSignal only if asked for. */
class ClientWatch {
  aborted = false;
  /** The exchange in flight, aborted when the client goes away. */
  current: Exchange | undefined;
  #controller: AbortController | undefined;
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  /** Created on first use only: most requests never wait on anything but the upstream. */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.aborted) this.#controller.abort(clientGoneError());
    return this.#controller.signal;
  }

  readonly onClose = (): void => {
    if (this.#res.writableFinished) return;
    this.aborted = true;
    this.#controller?.abort(clientGoneError());
    this.current?.clientGone();
  };
}

function clientGoneError(): RegcredError {
  return new RegcredError(ErrorCode.Aborted, 'client went away');
}

/**
 * Sends a validated request upstream and streams the answer into the Node response: no Web streams, no
 * `pipeline()`, no Readable per request. A raw undici dispatch handler writes each chunk to the client and
 * pauses the upstream socket until the client drains, so a slow client slows the upstream read and a blob
 * never sits in memory. A client that goes away aborts the upstream request.
 */
export class UpstreamForwarder {
  readonly #options: ForwarderOptions;

  constructor(options: ForwarderOptions) {
    this.#options = options;
  }

  /** Never throws: every failure becomes an OCI error response or a cut connection. */
  async forward(request: ForwardRequest, res: ServerResponse): Promise<void> {
    const { auth, logger, metrics } = this.#options;
    const { target } = request;
    const watch = new ClientWatch(res);
    res.once('close', watch.onClose);
    let status = 0;
    let bytes = 0;
    try {
      const baseHeaders = forwardedHeaders(request.headers);
      // Cached credentials or token: no promise, no signal. Otherwise fetch (coalesced, abortable).
      let authorization = auth.cachedAuthorization(target, request.scope);
      if (authorization === null)
        authorization = await auth.authorization(target, request.scope, watch.signal);
      let origin = target.origin;
      let path = request.path;
      let learned = auth.knows(target);
      let refreshed = false;
      for (let hop = 0; ; ) {
        const sameOrigin = origin === target.origin;
        const headers =
          sameOrigin && authorization !== undefined ? { ...baseHeaders, authorization } : baseHeaders;
        const canRetryAuth = sameOrigin && (!learned || (authorization !== undefined && !refreshed));
        const outcome = await new Promise<Outcome>((resolve) => {
          const exchange = new Exchange(
            this.#options,
            request,
            res,
            { origin, path, headers, canRetryAuth },
            resolve,
          );
          watch.current = exchange;
          exchange.start(watch.aborted);
        });
        watch.current = undefined;
        if (outcome.kind === 'done') {
          status = res.statusCode;
          bytes = outcome.bytes;
          return;
        }
        if (outcome.kind === 'failed') throw outcome.error;
        if (outcome.kind === 'unauthorized') {
          const retry = auth.unauthorized(target, request.scope, outcome.challenge, authorization);
          if (!retry || !canRetryAuth) throw upstreamDenied(target);
          if (authorization !== undefined) {
            refreshed = true;
            metrics.authRefresh(target.host);
          }
          learned = true;
          authorization = await auth.authorization(target, request.scope, watch.signal);
          if (authorization === undefined) throw upstreamDenied(target);
          continue;
        }
        hop++;
        if (hop > this.#options.maxRedirects) {
          throw new OciError(
            502,
            'UNKNOWN',
            `upstream ${target.host} redirected more than ${this.#options.maxRedirects} times`,
          );
        }
        const next = redirectTarget(outcome.location, new URL(path, origin), target);
        origin = next.origin;
        path = `${next.pathname}${next.search}`;
      }
    } catch (error) {
      if (watch.aborted) {
        status = 499;
        return;
      }
      const oci = toOciError(error, target);
      if (oci.status >= 500) {
        logger.warn({ registry: target.host, route: request.route, err: error }, 'proxy request failed');
      }
      status = oci.status;
      writeOciError(res, oci);
    } finally {
      res.off('close', watch.onClose);
      metrics.request(request.route, request.method, status);
      metrics.bytes(request.route, bytes);
    }
  }
}

/**
 * One upstream request as an undici dispatch handler (a class, not closures: it runs once per request).
 * Decides on the response headers: stream to the client, or drain and report a 401 / redirect.
 */
class Exchange implements Dispatcher.DispatchHandler {
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
      this.#options.dispatcher.dispatch(
        { origin: this.#origin, path: this.#path, method: this.#request.method, headers: this.#headers },
        this,
      );
    } catch (error) {
      this.#settle({ kind: 'failed', error: error as Error });
    }
  }

  clientGone(): void {
    const error = clientGoneError();
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

function forwardedHeaders(client: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = client[name];
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(', ') : value;
    if (!SAFE_VALUE.test(joined)) throw new OciError(400, 'UNSUPPORTED', `invalid ${name} header`);
    out[name] = joined;
  }
  return out;
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

/** The next hop of a followed redirect; https only unless the registry is configured insecure. */
function redirectTarget(location: string, current: URL, target: UpstreamTarget): URL {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new OciError(502, 'UNKNOWN', `upstream ${target.host} sent an invalid redirect`);
  }
  if (next.username !== '' || next.password !== '') {
    throw new OciError(502, 'UNKNOWN', `upstream ${target.host} redirected to a URL with credentials`);
  }
  if (next.protocol !== 'https:' && !(target.insecure && next.protocol === 'http:')) {
    throw new OciError(502, 'UNKNOWN', `upstream ${target.host} redirected to a non-https URL`);
  }
  next.hash = '';
  return next;
}

function upstreamDenied(target: UpstreamTarget): OciError {
  return new OciError(
    401,
    'UNAUTHORIZED',
    `upstream registry ${target.host} refused the proxy's credentials`,
  );
}

const UNDICI_TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function toOciError(error: unknown, target: UpstreamTarget): OciError {
  if (error instanceof OciError) return error;
  if (isRegcredError(error)) {
    if (error.code === ErrorCode.RegistryNotConfigured) {
      return new OciError(403, 'DENIED', `registry ${target.host} is not configured in this proxy`);
    }
    const status = typeof error.details.status === 'number' ? ` (${error.details.status})` : '';
    return new OciError(502, 'UNKNOWN', `credentials for ${target.host} unavailable: ${error.code}${status}`);
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNDICI_TIMEOUTS.has(code)) {
    return new OciError(504, 'UNKNOWN', `upstream ${target.host} timed out (${code})`);
  }
  return new OciError(
    502,
    'UNKNOWN',
    `upstream ${target.host} unreachable${typeof code === 'string' ? ` (${code})` : ''}`,
  );
}
