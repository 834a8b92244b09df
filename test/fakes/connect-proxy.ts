import { type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listenOnLoopback } from '../harness/registry/loopback-server.ts';

/**
 * A forward proxy on loopback, as HTTP_PROXY names one: tunnels CONNECT (https targets) and forwards
 * absolute-form requests (http targets), to loopback only, recording both.
 */
export interface FakeConnectProxy {
  readonly url: string;
  /** `host:port` of every CONNECT, in order. */
  readonly tunnels: string[];
  /** `host:port` of every forwarded absolute-form request, in order. */
  readonly forwards: string[];
  /** `Proxy-Authorization` headers seen. */
  readonly proxyAuthorizations: (string | undefined)[];
  stop(): Promise<void>;
}

export async function startFakeConnectProxy(): Promise<FakeConnectProxy> {
  const tunnels: string[] = [];
  const forwards: string[] = [];
  const proxyAuthorizations: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  const { server, url } = await listenOnLoopback((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-length': '0' }).end();
      return;
    }
    forwards.push(target.host);
    proxyAuthorizations.push(req.headers['proxy-authorization']);
    if (target.hostname !== '127.0.0.1') {
      res.writeHead(403, { 'content-length': '0' }).end();
      return;
    }
    const { 'proxy-authorization': _, 'proxy-connection': __, ...headers } = req.headers;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push(target);
    proxyAuthorizations.push(req.headers['proxy-authorization']);
    const [host, port] = [
      target.slice(0, target.lastIndexOf(':')),
      Number(target.slice(target.lastIndexOf(':') + 1)),
    ];
    // Loopback only: a test must never reach anything else through this proxy.
    if (host !== '127.0.0.1' && host !== 'localhost') {
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  return {
    url,
    tunnels,
    forwards,
    proxyAuthorizations,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
