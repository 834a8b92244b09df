import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What containerd does for a mirror configured in `hosts.toml`: send every request to the mirror with
 * `?ns=<upstream host>` appended. skopeo cannot do that itself, so e2e tests put this in front of the proxy.
 */
export async function startNsShim(
  proxyUrl: string,
  ns: string,
): Promise<{ host: string; stop(): Promise<void> }> {
  const target = new URL(proxyUrl);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = `${url}${url.includes('?') ? '&' : '?'}ns=${encodeURIComponent(ns)}`;
    const headers = { ...req.headers, host: target.host };
    const upstream = request(
      { host: target.hostname, port: target.port, path, method: req.method, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
