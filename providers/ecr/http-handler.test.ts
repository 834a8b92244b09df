import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest } from '@smithy/types';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isRegcredError } from '../../src/core/errors.ts';
import { UndiciHttpHandler } from './http-handler.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let port: number;
const seen: Seen[] = [];
const agent = new Agent();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url?.startsWith('/hang')) return; // never answers
      if (req.url?.startsWith('/huge')) {
        res.writeHead(200).end(Buffer.alloc(2 * 1024 * 1024, 'a'));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'r1' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await agent.close();
});

const request = (path: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'POST',
  protocol: 'http:',
  hostname: '127.0.0.1',
  port,
  path,
  query: {},
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'T.Op' },
  body: '{}',
  ...extra,
});

async function collect(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

describe('UndiciHttpHandler', () => {
  const handler = new UndiciHttpHandler({ dispatcher: agent, requestTimeoutMs: 5_000 });

  it('sends method, path, RFC 3986 query, headers and body through the dispatcher', async () => {
    seen.length = 0;
    const { response } = await handler.handle(
      request('/x', { query: { 'a b': "it's (1)*", list: ['1', '2'], flag: null } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-amzn-requestid']).toBe('r1');
    expect(await collect(response.body)).toBe('{"ok":true}');
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/x?a%20b=it%27s%20%281%29%2A&list=1&list=2&flag',
      body: '{}',
    });
    expect(seen[0]?.headers['x-amz-target']).toBe('T.Op');
  });

  it.each([
    ['a silent server → ERR_TIMEOUT', '/hang', ErrorCode.Timeout, 100],
    ['an oversized answer → ERR_CREDENTIAL_INVALID', '/huge', ErrorCode.CredentialInvalid, 5_000],
  ])('%s', async (_name, path, code, requestTimeoutMs) => {
    const short = new UndiciHttpHandler({ dispatcher: agent, requestTimeoutMs });
    const error = await short.handle(request(path)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRegcredError(error, code)).toBe(true);
    expect(String(error)).toContain(`127.0.0.1:${port}`);
  });

  it('an abort from the SDK rejects with the abort reason', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const pending = handler
      .handle(request('/hang'), { abortSignal: controller.signal })
      .catch((e: unknown) => e);
    setTimeout(() => controller.abort(reason), 50);
    expect(await pending).toBe(reason);
  });
});
