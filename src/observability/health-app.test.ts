import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHealthApp } from './health-app.ts';

describe('createHealthApp', () => {
  const registry = new Registry();
  const counter = new Counter({ name: 'regcred_test_total', help: 'test', registers: [registry] });
  counter.inc(3);

  const cases = [
    { name: 'ready', ready: true, status: 200 },
    { name: 'not ready', ready: false, status: 503 },
  ];
  for (const c of cases) {
    it(`/readyz answers ${c.status} when ${c.name}`, async () => {
      const app = createHealthApp({ registry, ready: () => ({ ready: c.ready, reason: c.name }) });
      const res = await app.request('/readyz');
      expect(res.status).toBe(c.status);
      expect(await res.text()).toBe(c.name);
    });
  }

  it('/healthz is 200 by default and follows the liveness check', async () => {
    expect(
      (await createHealthApp({ registry, ready: () => ({ ready: false, reason: 'x' }) }).request('/healthz'))
        .status,
    ).toBe(200);
    const dead = createHealthApp({
      registry,
      ready: () => ({ ready: true, reason: '' }),
      live: () => ({ ready: false, reason: 'stuck' }),
    });
    expect((await dead.request('/healthz')).status).toBe(503);
  });

  it('/metrics serves the registry in Prometheus text format', async () => {
    const res = await createHealthApp({ registry, ready: () => ({ ready: true, reason: '' }) }).request(
      '/metrics',
    );
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('regcred_test_total 3');
  });
});
