import { Hono } from 'hono';
import type { Registry } from 'prom-client';

/** The answer of a readiness check: ready, or not ready with a reason a human can act on. */
export interface Readiness {
  readonly ready: boolean;
  /** Why not ready (`credential for 123….dkr.ecr… expired 5m ago`), or what is fine. Never a secret. */
  readonly reason: string;
}

export interface HealthAppOptions {
  /** Prometheus registry served at /metrics. */
  readonly registry: Registry;
  /** Liveness: the process can still do its job (event loop turning, no fatal state). */
  readonly live?: () => Readiness;
  /** Readiness: the mode's own meaning of ready (fresh credentials, not just "up"). */
  readonly ready: () => Readiness | Promise<Readiness>;
}

/** `/healthz`, `/readyz`, `/metrics` on one hono app, shared by `run` and `proxy`. */
export function createHealthApp(options: HealthAppOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => {
    const state = options.live?.() ?? { ready: true, reason: 'ok' };
    return c.text(state.reason, state.ready ? 200 : 503);
  });
  app.get('/readyz', async (c) => {
    const state = await options.ready();
    return c.text(state.reason, state.ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    const body = await options.registry.metrics();
    return c.body(body, 200, { 'content-type': options.registry.contentType });
  });
  return app;
}
