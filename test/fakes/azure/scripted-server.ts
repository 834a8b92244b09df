import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** One request a fake received, with its form or query fields (tests assert on them). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly fields: Readonly<Record<string, string>>;
}

/** A scripted answer that replaces the fake's normal one for the next matching request. */
export type ScriptedAnswer =
  | { readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  /** Never answer (until the server stops): for timeouts and aborts. */
  | { readonly hang: true }
  /** A 200 whose body is `bytes` long: for the size cap. */
  | { readonly oversize: number };

/** Request log and fault script shared by the fake Entra ID, managed identity and ACR servers. */
export class Script {
  readonly requests: RecordedRequest[] = [];
  readonly #queue = new Map<string, ScriptedAnswer[]>();
  readonly #hanging = new Set<ServerResponse>();

  /** The next requests to `path` (no query) get these answers, in order, before normal service resumes. */
  enqueue(path: string, ...answers: ScriptedAnswer[]): void {
    this.#queue.set(path, [...(this.#queue.get(path) ?? []), ...answers]);
  }

  count(path: string): number {
    return this.requests.filter((request) => request.path === path).length;
  }

  /** Records the request and plays a scripted answer if one is queued; true when it answered. */
  async intercept(request: IncomingMessage, response: ServerResponse): Promise<RecordedRequest | undefined> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const body = await readBody(request);
    const fields: Record<string, string> = Object.fromEntries(url.searchParams);
    if (String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      Object.assign(fields, Object.fromEntries(new URLSearchParams(body)));
    }
    const recorded = {
      method: request.method ?? 'GET',
      path: url.pathname,
      headers: request.headers,
      fields,
    };
    this.requests.push(recorded);
    const answer = this.#queue.get(url.pathname)?.shift();
    if (answer === undefined) return recorded;
    if ('hang' in answer) {
      this.#hanging.add(response);
      response.on('close', () => this.#hanging.delete(response));
      return undefined;
    }
    if ('oversize' in answer) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"refresh_token":"${'x'.repeat(Math.max(0, answer.oversize - 20))}"}`);
      return undefined;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(answer.body ?? '');
    return undefined;
  }

  /** Drops connections left hanging, so servers can close. */
  release(): void {
    for (const response of this.#hanging) response.destroy();
    this.#hanging.clear();
  }
}

/**
 * Answers JSON, gzipped when the client accepts gzip (as Entra ID does), so a client that asks for
 * compression and cannot undo it fails the tests.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  if (/\bgzip\b/.test(String(response.req?.headers['accept-encoding'] ?? ''))) {
    response.writeHead(status, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      ...headers,
    });
    response.end(gzipSync(text));
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function close(server: Server, script: Script): Promise<void> {
  script.release();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
