import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeConnectProxy, startFakeConnectProxy } from '../../test/fakes/connect-proxy.ts';
import { createTestCa } from '../../test/fakes/tls/test-ca.ts';
import { listenOnLoopback } from '../../test/harness/registry/loopback-server.ts';
import { closeDispatcher, createDispatcher } from './http-dispatcher.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function setup(): Promise<{ proxy: FakeConnectProxy; target: string; hits: () => number }> {
  let hits = 0;
  const { server, url } = await listenOnLoopback((_req, res) => {
    hits++;
    res.end('ok');
  });
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  server.closeIdleConnections();
  const proxy = await startFakeConnectProxy();
  cleanups.push(() => proxy.stop());
  return { proxy, target: url, hits: () => hits };
}

async function get(env: Record<string, string>, url: string, ca?: string): Promise<string> {
  const dispatcher = createDispatcher({ env, ...(ca ? { ca: [ca] } : {}) });
  cleanups.push(() => dispatcher.destroy());
  const res = await request(url, { dispatcher });
  return res.body.text();
}

describe('createDispatcher: proxy settings come from the injected environment', () => {
  it('goes direct when no proxy is set, whatever process.env says', async () => {
    const { proxy, target, hits } = await setup();
    const before = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = proxy.url;
    try {
      expect(await get({}, `${target}/direct`)).toBe('ok');
    } finally {
      if (before === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = before;
    }
    expect(hits()).toBe(1);
    expect([...proxy.tunnels, ...proxy.forwards]).toEqual([]);
  });

  it('sends through HTTP_PROXY (either case), with its credentials as Proxy-Authorization', async () => {
    const { proxy, target, hits } = await setup();
    const withUser = proxy.url.replace('http://', 'http://user:proxy-pass@');
    expect(await get({ http_proxy: withUser }, `${target}/via-proxy`)).toBe('ok');
    expect(await get({ HTTP_PROXY: proxy.url }, `${target}/via-proxy`)).toBe('ok');
    expect(hits()).toBe(2);
    const host = target.slice('http://'.length);
    expect([...proxy.tunnels, ...proxy.forwards]).toEqual([host, host]);
    expect(proxy.proxyAuthorizations[0]).toBe(`Basic ${Buffer.from('user:proxy-pass').toString('base64')}`);
  });

  it('honours NO_PROXY', async () => {
    const { proxy, target, hits } = await setup();
    expect(await get({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, `${target}/no-proxy`)).toBe('ok');
    expect(hits()).toBe(1);
    expect([...proxy.tunnels, ...proxy.forwards]).toEqual([]);
  });

  it('tunnels an https target through HTTPS_PROXY with CONNECT, TLS end to end', async () => {
    const ca = createTestCa();
    const { server, url } = await listenOnLoopback((_req, res) => res.end('secure'), ca.issue(['127.0.0.1']));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const proxy = await startFakeConnectProxy();
    cleanups.push(() => proxy.stop());
    expect(await get({ HTTPS_PROXY: proxy.url }, `${url}/tls`, ca.caPem)).toBe('secure');
    expect(proxy.tunnels).toEqual([url.slice('https://'.length)]);
  });
});

describe('closeDispatcher', () => {
  it('lets a request in flight finish within the grace period', async () => {
    const { server, url } = await listenOnLoopback((_req, res) => {
      setTimeout(() => res.end('late but fine'), 50);
    });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const dispatcher = createDispatcher({ env: {} });
    const answer = request(`${url}/slow`, { dispatcher }).then((res) => res.body.text());
    await new Promise((resolve) => setTimeout(resolve, 10));
    await closeDispatcher(dispatcher, 2_000);
    expect(await answer).toBe('late but fine');
  });

  it('destroys a request that never ends once the grace period is over', async () => {
    const { server, url } = await listenOnLoopback(() => {
      // never answers
    });
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const dispatcher = createDispatcher({ env: {} });
    let settled = false;
    void request(`${url}/hung`, { dispatcher }).then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    // A plain close() resolves only when every request has settled (here: the 30 s headers timeout).
    // closeDispatcher returns while this one is still unsettled: it was cut, not waited for.
    await closeDispatcher(dispatcher, 100);
    expect(settled).toBe(false);
  });
});
