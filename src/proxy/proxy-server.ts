import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { Registry } from 'prom-client';
import { type Dispatcher, Response as UndiciResponse } from 'undici';
import type { ProxyConfig } from '../config/proxy-schema.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { type CredentialSource, credentialHealth } from '../core/credential-source.ts';
import { ConfigError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { SecretScrubber } from '../core/redaction.ts';
import { createHealthApp } from '../observability/health-app.ts';
import { ClientAllowList, isLoopbackHost, type ListenAddress, parseListenAddress } from './listen-address.ts';
import { OciError } from './oci-error.ts';
import { writeOciError } from './oci-response.ts';
import { createProxyApp } from './proxy-app.ts';
import { createProxyMetrics } from './proxy-metrics.ts';
import { UpstreamAuth } from './upstream-auth.ts';
import { UpstreamForwarder } from './upstream-forwarder.ts';
import { UpstreamResolver } from './upstream-resolver.ts';

/**
 * @hono/node-server's marker for "the handler wrote the Node response itself". Built from undici's Response
 * so it never takes the adapter's cached-response path, whoever replaced the global Response.
 */
const ALREADY_SENT = new UndiciResponse(null, { headers: { 'x-hono-already-sent': 'true' } });

export interface StartProxyOptions {
  readonly config: ProxyConfig;
  readonly credentials: CredentialSource;
  /** Upstream HTTP: the runtime's shared dispatcher (keep-alive pools per origin, timeouts). */
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly scrubber?: SecretScrubber;
  /** Prometheus registry for /metrics; a fresh one by default. */
  readonly registry?: Registry;
  /** Overrides `config.listen` / `config.metricsListen` (CLI flags). */
  readonly listen?: string | undefined;
  readonly metricsListen?: string | undefined;
}

export interface RunningProxy {
  /** `http://127.0.0.1:5000` as bound (the real port when 0 was asked for). */
  readonly url: string;
  readonly metricsUrl: string | undefined;
  readonly auth: UpstreamAuth;
  /** Stops accepting, closes idle connections, cuts active ones after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts `regcred proxy`: the registry endpoint and, on its own port, /healthz /readyz /metrics.
 * Throws ConfigError when a non-loopback listen address has no client allow-list, and
 * the listen error (EADDRINUSE, EACCES) when a port cannot be bound.
 */
export async function startProxy(options: StartProxyOptions): Promise<RunningProxy> {
  const { config, logger } = options;
  const listen = parseListenAddress(options.listen ?? config.listen, 'listen');
  const allowList = new ClientAllowList(config.allowedClients);
  if (!isLoopbackHost(listen.host) && allowList.size === 0) {
    throw new ConfigError([
      {
        path: ['proxy', 'allowedClients'],
        message: `the proxy listens on ${listen.host}, which is not loopback: list the client CIDRs allowed to use it`,
      },
    ]);
  }
  const registry = options.registry ?? new Registry();
  const metrics = createProxyMetrics(registry);
  const auth = new UpstreamAuth({
    credentials: options.credentials,
    dispatcher: options.dispatcher,
    clock: options.clock ?? systemClock,
    metrics,
    scrubber: options.scrubber,
  });
  const forwarder = new UpstreamForwarder({
    dispatcher: options.dispatcher,
    auth,
    metrics,
    logger,
    redirects: config.redirects,
    maxRedirects: config.maxRedirects,
  });
  const resolver = new UpstreamResolver(config.upstreams, options.credentials);
  const app = createProxyApp({ resolver, forwarder, metrics });
  // Hono answers HEAD by wrapping the GET route's result in a new Response, which would make
  // @hono/node-server write headers a second time after the forwarder already answered: once the Node
  // response is on its way, hand back the "already sent" marker whatever hono returned.
  const honoListener = getRequestListener(
    (request, bindings) => {
      const { outgoing } = bindings as HttpBindings;
      const settle = (response: Response) =>
        outgoing.headersSent || outgoing.destroyed ? ALREADY_SENT : response;
      // Synchronous for proxied GETs (see proxy-app.ts); a promise for HEAD, which hono wraps.
      const result = app.fetch(request, bindings);
      return result instanceof Promise ? result.then(settle) : settle(result);
    },
    { overrideGlobalObjects: false },
  );
  const denied = new OciError(403, 'DENIED', 'this client address is not allowed to use the proxy');
  const checkClients = allowList.size > 0;
  const server = createServer(
    { highWaterMark: config.responseHighWaterMark, keepAliveTimeout: 65_000, requestTimeout: 60_000 },
    (req: IncomingMessage, res: ServerResponse) => {
      if (checkClients && !allowList.allows(req.socket.remoteAddress)) {
        metrics.request('denied', req.method ?? 'GET', 403);
        writeOciError(res, denied);
        return;
      }
      void honoListener(req, res);
    },
  );
  // An abusive or broken client must never take the process down.
  server.on('clientError', (_error, socket) => socket.destroy());
  const url = await listenOn(server, listen);

  let healthServer: Server | undefined;
  let metricsUrl: string | undefined;
  const metricsListen = options.metricsListen ?? config.metricsListen;
  let closing = false;
  if (metricsListen !== '') {
    const health = createHealthApp({
      registry,
      ready: () => {
        if (closing) return { ready: false, reason: 'shutting down' };
        // Not ready while an upstream identity has failed and holds no valid credential: pulls would fail.
        const health = credentialHealth(
          options.credentials.status?.() ?? [],
          (options.clock ?? systemClock).now(),
        );
        return {
          ready: health.healthy,
          reason: health.healthy ? 'serving' : `credentials failing: ${health.reason}`,
        };
      },
    });
    healthServer = createServer(getRequestListener(health.fetch, { overrideGlobalObjects: false }));
    metricsUrl = await listenOn(healthServer, parseListenAddress(metricsListen, 'metricsListen')).catch(
      async (error: unknown) => {
        await closeServer(server, 0);
        throw error;
      },
    );
  }
  logger.info({ url, metricsUrl, upstreams: config.upstreams.map((u) => u.alias) }, 'proxy listening');
  return {
    url,
    metricsUrl,
    auth,
    async close(graceMs = 5_000) {
      closing = true;
      await Promise.all([
        closeServer(server, graceMs),
        healthServer ? closeServer(healthServer, 0) : undefined,
      ]);
    },
  };
}

function listenOn(server: Server, address: ListenAddress): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
      resolve(`http://${host}:${bound.port}`);
    });
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    if (graceMs === 0) server.closeAllConnections();
    else setTimeout(() => server.closeAllConnections(), graceMs).unref();
  });
}
