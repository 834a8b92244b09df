import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { type Context, Hono } from 'hono';
import { OciError } from './oci-error.ts';
import { parseOciRequest } from './oci-path.ts';
import type { ProxyMetrics } from './proxy-metrics.ts';
import type { UpstreamForwarder } from './upstream-forwarder.ts';
import type { UpstreamResolver } from './upstream-resolver.ts';

export interface ProxyAppOptions {
  readonly resolver: UpstreamResolver;
  readonly forwarder: UpstreamForwarder;
  readonly metrics: ProxyMetrics;
}

type Env = { Bindings: HttpBindings };

const API_VERSION = { 'docker-distribution-api-version': 'registry/2.0' } as const;

/**
 * The registry endpoint: hono routes and validates; the forwarder writes upstream answers straight to
 * the Node response (see docs/decisions/2026-11-28-proxy-data-path.md). Pull-only: GET and HEAD.
 */
export function createProxyApp(options: ProxyAppOptions): Hono<Env> {
  const { resolver, forwarder, metrics } = options;
  const app = new Hono<Env>();

  const refuse = (c: Context<Env>, error: OciError, route = 'invalid') => {
    metrics.request(route, c.req.method, error.status);
    return c.body(error.body(), error.status as 400, {
      'content-type': 'application/json',
      ...API_VERSION,
      ...error.headers,
    });
  };

  // Synchronous on purpose: the forwarder answers on the Node response by itself and never rejects, so
  // the handler starts it and hands hono the "already sent" marker at once. No promise chain through hono
  // and @hono/node-server per request, which is a measurable share of a manifest request's CPU.
  const handle = (c: Context<Env>) => {
    // The raw request target: a WHATWG URL would already have resolved `..` and decoded nothing useful.
    const raw = c.env?.incoming?.url ?? rawTarget(c.req.url);
    let parsed: ReturnType<typeof parseOciRequest>;
    try {
      parsed = parseOciRequest(raw);
    } catch (error) {
      if (error instanceof OciError) return refuse(c, error);
      throw error;
    }
    try {
      if (parsed.kind === 'ping') {
        if (parsed.ns !== undefined) resolver.mirror(parsed.ns);
        metrics.request('ping', c.req.method, 200);
        return c.body('{}', 200, { 'content-type': 'application/json', ...API_VERSION });
      }
      const { target, repository } = resolver.resolve(parsed.name, parsed.ns);
      const outgoing = c.env?.outgoing;
      if (outgoing === undefined) {
        return refuse(c, new OciError(500, 'UNKNOWN', 'proxying needs the Node HTTP server'), parsed.kind);
      }
      forwarder
        .forward(
          {
            method: c.req.method === 'HEAD' ? 'HEAD' : 'GET',
            route: parsed.kind,
            target,
            path: `/v2/${repository}/${parsed.kind === 'tags' ? 'tags/list' : `${parsed.kind}/${parsed.reference}`}${parsed.forwardQuery}`,
            scope: `repository:${repository}:pull`,
            headers: c.env.incoming.headers,
            rewriteLink:
              parsed.kind === 'tags'
                ? (link) => rewriteTagsLink(link, repository, parsed.name, parsed.ns)
                : undefined,
          },
          outgoing,
        )
        .catch(() => outgoing.destroy());
      return RESPONSE_ALREADY_SENT;
    } catch (error) {
      if (error instanceof OciError) return refuse(c, error, parsed.kind);
      throw error;
    }
  };

  app.on(['GET', 'HEAD'], '/v2', handle);
  app.on(['GET', 'HEAD'], '/v2/*', handle);
  app.all('/v2/*', (c) =>
    refuse(c, new OciError(405, 'UNSUPPORTED', 'this proxy serves pulls only (GET, HEAD)')),
  );
  app.all('*', (c) => {
    // Hono routes on the normalized URL: `/v2/a/../../x` lands here. Report what is wrong with the raw one.
    try {
      parseOciRequest(c.env?.incoming?.url ?? rawTarget(c.req.url));
    } catch (error) {
      if (error instanceof OciError) return refuse(c, error);
    }
    return refuse(c, new OciError(404, 'UNSUPPORTED', 'not an OCI distribution endpoint'));
  });
  app.onError((_error, c) => refuse(c, new OciError(500, 'UNKNOWN', 'internal proxy error'), 'error'));
  return app;
}

function rawTarget(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** `</v2/<repository>/tags/list?n=…&last=…>; rel="next"` → the same page in the client's name space. */
export function rewriteTagsLink(
  link: string,
  repository: string,
  clientName: string,
  ns: string | undefined,
): string | undefined {
  const match = /^<\/v2\/([^>?]+)\/tags\/list(\?[^>]*)?>\s*;\s*rel="?next"?$/.exec(link.trim());
  if (match === null || match[1] !== repository) return undefined;
  const query = new URLSearchParams(match[2] ?? '');
  const out = new URLSearchParams();
  for (const key of ['n', 'last']) {
    const value = query.get(key);
    if (value !== null && /^[A-Za-z0-9_.-]{1,128}$/.test(value)) out.set(key, value);
  }
  if (ns !== undefined) out.set('ns', ns);
  const search = out.toString();
  return `</v2/${clientName}/tags/list${search === '' ? '' : `?${search}`}>; rel="next"`;
}
