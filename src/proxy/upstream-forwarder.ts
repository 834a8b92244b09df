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
  | { readonly kind: 'done'; readonly bytes?: number }
  | { readonly kind: 'unauthorized'; readonly challenge: string | undefined }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'failed'; readonly error: Error };

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
    const clientGone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) clientGone.abort(new RegcredError(ErrorCode.Aborted, 'client went away'));
    };
    res.once('close', onClose);
    let status = 0;
    let bytes = 0;
    try {
      const baseHeaders = forwardedHeaders(request.headers);
      let authorization = await auth.authorization(target, request.scope, clientGone.signal);
      let url = new URL(`${target.origin}${request.path}`);
      let learned = auth.knows(target);
      let refreshed = false;
      for (let hop = 0; ; ) {
        const sameOrigin = url.origin === target.origin;
        const headers =
          sameOrigin && authorization !== undefined ? { ...baseHeaders, authorization } : baseHeaders;
        const canRetryAuth = sameOrigin && (!learned || (authorization !== undefined && !refreshed));
        const outcome = await this.#attempt(request, url, headers, canRetryAuth, res, clientGone.signal);
        if (outcome.kind === 'done') {
          status = res.statusCode;
          bytes = outcome.bytes ?? 0;
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
          authorization = await auth.authorization(target, request.scope, clientGone.signal);
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
        url = redirectTarget(outcome.location, url, target);
      }
    } catch (error) {
      if (clientGone.signal.aborted) {
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
      res.off('close', onClose);
      metrics.request(request.route, request.method, status);
      metrics.bytes(request.route, bytes);
    }
  }

  #attempt(
    request: ForwardRequest,
    url: URL,
    headers: Record<string, string>,
    canRetryAuth: boolean,
    res: ServerResponse,
    signal: AbortSignal,
  ): Promise<Outcome> {
    const { dispatcher, metrics, redirects } = this.#options;
    const started = performance.now();
    const sameOrigin = url.origin === request.target.origin;
    return new Promise<Outcome>((resolve) => {
      let mode: 'pending' | 'stream' | 'discard' = 'pending';
      let decided: Outcome | undefined;
      let discarded = 0;
      let written = 0;
      let waitingForDrain = false;
      let controller: Dispatcher.DispatchController | undefined;
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve(outcome.kind === 'done' ? { kind: 'done', bytes: written } : outcome);
      };
      const onAbort = () => {
        controller?.abort(signal.reason as Error);
        settle({ kind: 'failed', error: signal.reason as Error });
      };
      if (signal.aborted) {
        settle({ kind: 'failed', error: signal.reason as Error });
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      const onDrain = () => {
        waitingForDrain = false;
        controller?.resume();
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(ctrl) {
          controller = ctrl;
        },
        onResponseStart(_ctrl, statusCode, upstreamHeaders) {
          metrics.upstreamLatency(request.target.host, request.route, (performance.now() - started) / 1000);
          const location = upstreamHeaders.location;
          if (statusCode === 401 && sameOrigin) {
            mode = 'discard';
            const challenge = upstreamHeaders['www-authenticate'];
            decided = canRetryAuth
              ? {
                  kind: 'unauthorized',
                  challenge: Array.isArray(challenge) ? challenge.join(', ') : challenge,
                }
              : { kind: 'failed', error: upstreamDenied(request.target) };
            return;
          }
          if (isRedirect(statusCode) && typeof location === 'string') {
            if (redirects === 'follow') {
              mode = 'discard';
              decided = { kind: 'redirect', location };
              return;
            }
            let absolute: string;
            try {
              absolute = new URL(location, url).href;
            } catch {
              mode = 'discard';
              decided = {
                kind: 'failed',
                error: new OciError(502, 'UNKNOWN', 'upstream sent an invalid redirect'),
              };
              return;
            }
            mode = 'discard';
            if (!SAFE_VALUE.test(absolute)) {
              decided = {
                kind: 'failed',
                error: new OciError(502, 'UNKNOWN', 'upstream sent an invalid redirect'),
              };
              return;
            }
            res.writeHead(statusCode, { location: absolute, 'content-length': '0' });
            res.end();
            decided = { kind: 'done' };
            return;
          }
          const out = responseHeaders(upstreamHeaders, request.rewriteLink);
          try {
            res.writeHead(statusCode, out);
          } catch (error) {
            mode = 'discard';
            decided = {
              kind: 'failed',
              error: new OciError(502, 'UNKNOWN', `upstream headers refused: ${errorMessage(error)}`),
            };
            return;
          }
          mode = 'stream';
          if (request.method === 'HEAD') res.end();
        },
        onResponseData(ctrl, chunk) {
          if (mode === 'stream') {
            written += chunk.length;
            if (!res.write(chunk) && !waitingForDrain) {
              waitingForDrain = true;
              ctrl.pause();
              res.once('drain', onDrain);
            }
            return;
          }
          discarded += chunk.length;
          if (discarded > MAX_DISCARD) ctrl.abort(new Error('discarded body too large'));
        },
        onResponseEnd() {
          if (mode === 'stream') {
            if (request.method !== 'HEAD') res.end();
            settle({ kind: 'done' });
            return;
          }
          settle(decided ?? { kind: 'done' });
        },
        onResponseError(_ctrl, error) {
          res.off('drain', onDrain);
          if (mode === 'stream') {
            // Headers (and maybe part of the body) are out: cutting the connection is the only honest
            // signal left; the client sees a short body against Content-Length.
            res.destroy(error);
            settle({ kind: 'done' });
            return;
          }
          if (mode === 'discard' && decided !== undefined) {
            settle(decided);
            return;
          }
          settle({ kind: 'failed', error });
        },
      };
      try {
        dispatcher.dispatch(
          {
            origin: url.origin,
            path: `${url.pathname}${url.search}`,
            method: request.method,
            headers,
          },
          handler,
        );
      } catch (error) {
        settle({ kind: 'failed', error: error as Error });
      }
    });
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
