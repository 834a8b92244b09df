import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { ErrorCode, isRegcredError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { OciError } from './oci-error.ts';
import { writeOciError } from './oci-response.ts';
import type { ProxyMetrics } from './proxy-metrics.ts';
import type { UpstreamAuth } from './upstream-auth.ts';
import { clientGoneError, Exchange, type Outcome, SAFE_VALUE, upstreamDenied } from './upstream-exchange.ts';
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
const USER_AGENT = 'regcred-proxy';

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
