import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnLoopback } from './loopback-server.ts';
import { createServerTls, type ServerTlsMaterial } from './tls.ts';

/** One request as it arrived. */
export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  path: string;
  /** Lower-cased names; repeated headers joined as Node does. */
  headers: Record<string, string | string[] | undefined>;
  /** Name/value pairs exactly as sent, in order. */
  rawHeaders: string[];
  /** Bytes of request body received. */
  bodyBytes: number;
}

/** What to answer. With none of status/body/bodyFile/redirect/destroy and a `forwardTo`, the request is forwarded. */
export interface RecordedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Answers `redirectStatus` (default 307) with this Location. */
  redirect?: string;
  redirectStatus?: number;
  /** Drops the connection without answering. */
  destroy?: boolean;
  /** Streams this file as the body (e.g. `image.blobPath(digest)`: a blob store behind a redirect). */
  bodyFile?: string;
  /** Wait this long before answering or forwarding (e.g. to let a token expire between requests). */
  delayMs?: number;
  /** Forwarding only: cut the connection after this many response body bytes. */
  abortAfterBytes?: number;
}

export type Responder = RecordedResponse | ((request: RecordedRequest) => RecordedResponse | undefined);

export interface StartRecordingServerOptions {
  /** Default: 200 with an empty body (or forward, when `forwardTo` is set). */
  respond?: Responder;
  /** An upstream base URL (e.g. a harness registry): requests the responder leaves alone go there. */
  forwardTo?: string;
  /** CA to trust when forwarding to https. */
  forwardCaPem?: string;
  /** true: serve https with a fresh test CA (returned as caPem/certDir); or a given cert. */
  tls?: boolean | ServerTlsMaterial;
}

export interface RecordingServer {
  readonly url: string;
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  readonly caPem: string | undefined;
  readonly certDir: string | undefined;
  /** Every request so far, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Replace the answer for later requests. */
  respondWith(responder: Responder): void;
  clear(): void;
  stop(): Promise<void>;
}

/** Starts an HTTP(S) server on 127.0.0.1 that records every request's method, url and headers. */
export async function startRecordingServer(
  options: StartRecordingServerOptions = {},
): Promise<RecordingServer> {
  const dir = await mkdtemp(join(tmpdir(), 'regcred-recording-'));
  const tls = await resolveTls(options.tls, dir);
  const requests: RecordedRequest[] = [];
  let responder: Responder = options.respond ?? {};

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: new URL(req.url ?? '/', 'http://x').pathname,
      headers: { ...req.headers },
      rawHeaders: [...req.rawHeaders],
      bodyBytes: 0,
    };
    requests.push(record);
    const spec = typeof responder === 'function' ? responder(record) : responder;
    const answers =
      spec &&
      (spec.status !== undefined ||
        spec.body !== undefined ||
        spec.bodyFile !== undefined ||
        spec.redirect ||
        spec.destroy);
    if (options.forwardTo && !answers) {
      const { forwardTo, forwardCaPem } = options;
      later(spec?.delayMs, () => forward(req, res, record, forwardTo, forwardCaPem, spec?.abortAfterBytes));
      return;
    }
    req.on('data', (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
    });
    req.on('end', () => later(spec?.delayMs, () => answer(req, res, spec)));
  };
  const { server, port } = await listenOnLoopback(listener, tls);
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    caPem: tls?.caPem,
    certDir: tls?.certDir,
    requests,
    respondWith(next) {
      responder = next;
    },
    clear() {
      requests.length = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function later(delayMs: number | undefined, fn: () => void): void {
  if (delayMs && delayMs > 0) setTimeout(fn, delayMs);
  else fn();
}

function answer(req: IncomingMessage, res: ServerResponse, spec: RecordedResponse | undefined): void {
  if (spec?.destroy) {
    res.socket?.destroy();
    return;
  }
  if (spec?.redirect) {
    res.writeHead(spec.redirectStatus ?? 307, { location: spec.redirect, ...spec.headers });
    res.end();
    return;
  }
  if (spec?.bodyFile !== undefined) {
    const path = spec.bodyFile;
    stat(path).then(
      (info) => {
        res.writeHead(spec.status ?? 200, { 'content-length': String(info.size), ...spec.headers });
        if (req.method === 'HEAD') res.end();
        else createReadStream(path).pipe(res);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
    return;
  }
  const body = spec?.body ?? '';
  res.writeHead(spec?.status ?? 200, { 'content-length': String(Buffer.byteLength(body)), ...spec?.headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
  base: string,
  ca: string | undefined,
  abortAfterBytes: number | undefined,
): void {
  const target = new URL(req.url ?? '/', base);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...req.headers, host: target.host };
  const upstream = send(target, { method: req.method, headers, ca, agent: false }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    let sent = 0;
    up.on('data', (chunk: Buffer) => {
      if (abortAfterBytes !== undefined && sent + chunk.length >= abortAfterBytes) {
        res.write(chunk.subarray(0, Math.max(0, abortAfterBytes - sent)));
        up.destroy();
        res.socket?.destroy();
        return;
      }
      sent += chunk.length;
      if (!res.write(chunk)) {
        up.pause();
        res.once('drain', () => up.resume());
      }
    });
    up.on('end', () => res.end());
    up.on('error', () => res.socket?.destroy());
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.on('data', (chunk: Buffer) => {
    record.bodyBytes += chunk.length;
  });
  req.pipe(upstream);
  res.on('close', () => upstream.destroy());
}

async function resolveTls(
  tls: StartRecordingServerOptions['tls'],
  dir: string,
): Promise<ServerTlsMaterial | undefined> {
  if (!tls) return undefined;
  return tls === true ? createServerTls(dir, 'recording') : tls;
}
