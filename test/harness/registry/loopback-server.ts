import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** An http(s) server on 127.0.0.1 with a port the system picked. Rejects when it cannot listen. */
export async function listenOnLoopback(
  listener: RequestListener,
  tls?: { readonly certPem: string; readonly keyPem: string },
): Promise<{ server: Server; port: number; url: string }> {
  const server = tls
    ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}` };
}
