import { Counter, Histogram, type Registry } from 'prom-client';

/** The proxy's Prometheus metrics; label values are routes, statuses and registry hosts, never secrets. */
export interface ProxyMetrics {
  /** One finished client request. `route` is ping|manifests|blobs|tags|referrers|invalid. */
  request(route: string, method: string, status: number): void;
  /** Body bytes sent to clients for one response. */
  bytes(route: string, count: number): void;
  /** Time to upstream response headers. */
  upstreamLatency(registry: string, route: string, seconds: number): void;
  tokenFetch(registry: string, result: 'ok' | 'error'): void;
  tokenCacheHit(registry: string): void;
  /** An upstream refused credentials the proxy had cached; they were refreshed and the request retried. */
  authRefresh(registry: string): void;
}

/** Registers the proxy metrics on `registry`. Throws if they are registered twice on one registry. */
export function createProxyMetrics(registry: Registry): ProxyMetrics {
  const requests = new Counter({
    name: 'regcred_proxy_requests_total',
    help: 'Client requests answered by the proxy, by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'regcred_proxy_response_bytes_total',
    help: 'Body bytes sent to proxy clients, by route.',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'regcred_proxy_upstream_latency_seconds',
    help: 'Time from sending an upstream request to its response headers.',
    labelNames: ['registry', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const tokenFetches = new Counter({
    name: 'regcred_proxy_token_fetches_total',
    help: 'Bearer token fetches from upstream token endpoints, by registry and result.',
    labelNames: ['registry', 'result'] as const,
    registers: [registry],
  });
  const tokenHits = new Counter({
    name: 'regcred_proxy_token_cache_hits_total',
    help: 'Bearer tokens served from the cache, by registry.',
    labelNames: ['registry'] as const,
    registers: [registry],
  });
  const authRefreshes = new Counter({
    name: 'regcred_proxy_upstream_auth_refreshes_total',
    help: 'Upstream 401s on cached credentials or tokens that led to a refresh and one retry, by registry.',
    labelNames: ['registry'] as const,
    registers: [registry],
  });
  // Label children are looked up once per label set: prom-client hashes the labels on every call otherwise,
  // which is measurable at tens of thousands of requests a second. Label sets are bounded (routes,
  // methods, statuses, configured registries).
  const requestChildren = new Map<string, Counter.Internal>();
  const bytesChildren = new Map<string, Counter.Internal>();
  const latencyChildren = new Map<string, Histogram.Internal<'registry' | 'route'>>();
  return {
    request: (route, method, status) => {
      const key = `${route} ${method} ${status}`;
      let child = requestChildren.get(key);
      if (child === undefined) {
        child = requests.labels({ route, method, status: String(status) });
        requestChildren.set(key, child);
      }
      child.inc();
    },
    bytes: (route, count) => {
      if (count <= 0) return;
      let child = bytesChildren.get(route);
      if (child === undefined) {
        child = bytes.labels({ route });
        bytesChildren.set(route, child);
      }
      child.inc(count);
    },
    upstreamLatency: (registryHost, route, seconds) => {
      const key = `${registryHost} ${route}`;
      let child = latencyChildren.get(key);
      if (child === undefined) {
        child = latency.labels({ registry: registryHost, route });
        latencyChildren.set(key, child);
      }
      child.observe(seconds);
    },
    tokenFetch: (registryHost, result) => tokenFetches.inc({ registry: registryHost, result }),
    tokenCacheHit: (registryHost) => tokenHits.inc({ registry: registryHost }),
    authRefresh: (registryHost) => authRefreshes.inc({ registry: registryHost }),
  };
}

/** Metrics that go nowhere, for callers that pass no registry. */
export const noProxyMetrics: ProxyMetrics = {
  request: () => {},
  bytes: () => {},
  upstreamLatency: () => {},
  tokenFetch: () => {},
  tokenCacheHit: () => {},
  authRefresh: () => {},
};
