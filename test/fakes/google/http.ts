import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a scripted fault does to the next matching request. */
export type Fault =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** Accept the request and never answer (timeouts, aborts). */
  | { readonly hang: true }
  /** Close the connection without a response (network error). */
  | { readonly reset: true };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface LoopbackServer {
  readonly port: number;
  readonly origin: string;
  close(): Promise<void>;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** An HTTP server on 127.0.0.1 with a random port; `close` also drops hanging and keep-alive sockets. */
export async function listenLoopback(handler: Handler): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(url.pathname),
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** Google's answer to a missing or invalid bearer token. */
export function sendUnauthenticated(res: ServerResponse): void {
  sendJson(res, 401, {
    error: {
      code: 401,
      message: 'Request had invalid authentication credentials.',
      status: 'UNAUTHENTICATED',
    },
  });
}

/** Applies a fault; returns false when there is none and the handler should answer normally. */
export function applyFault(
  fault: Fault | undefined,
  res: ServerResponse,
  headers: Readonly<Record<string, string>> = {},
): boolean {
  if (fault === undefined) return false;
  if ('hang' in fault) return true;
  if ('reset' in fault) {
    res.socket?.destroy();
    return true;
  }
  sendJson(res, fault.status, fault.body ?? { error: { code: fault.status, message: 'scripted failure' } }, {
    ...headers,
    ...fault.headers,
  });
  return true;
}

/** A queue of faults per route name; `next` pops one. */
export class FaultScript {
  readonly #queues = new Map<string, Fault[]>();

  /** The next `times` requests to `route` fail with `fault`. */
  fail(route: string, fault: Fault, times = 1): void {
    const queue = this.#queues.get(route) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.#queues.set(route, queue);
  }

  next(route: string): Fault | undefined {
    return this.#queues.get(route)?.shift();
  }

  clear(): void {
    this.#queues.clear();
  }
}

/** Calls per route name. */
export class CallCounter {
  readonly #counts = new Map<string, number>();

  hit(route: string): void {
    this.#counts.set(route, (this.#counts.get(route) ?? 0) + 1);
  }

  count(route: string): number {
    return this.#counts.get(route) ?? 0;
  }

  reset(): void {
    this.#counts.clear();
  }
}
