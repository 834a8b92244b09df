import { createCipheriv, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A small in-test OCI registry: enough of the pull API, Basic or Bearer auth, faults, and a request log. */
export interface FakeRegistryOptions {
  auth: 'none' | 'basic' | 'bearer';
  username?: string;
  password?: string;
  /** Bearer: `expires_in` of issued tokens (omitted from the answer when undefined). */
  tokenExpiresIn?: number;
}

export interface FakeRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FakeBlob {
  readonly digest: string;
  readonly size: number;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FakeRegistry {
  readonly host: string;
  readonly url: string;
  readonly requests: FakeRequest[];
  readonly tokenRequests: FakeRequest[];
  /** Responses to registry requests that ended before their body was complete (client went away). */
  readonly abortedResponses: number;
  /** Blob body bytes handed to the kernel so far (all responses). */
  readonly blobBytesSent: number;
  /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
  readonly connections: number;
  addManifest(repository: string, tag: string, body: string, mediaType: string): string;
  /** A blob of `size` deterministic bytes, streamed on request. */
  addBlob(repository: string, size: number): FakeBlob;
  /** The next registry (not token) requests answer these, in order. */
  failNext(...faults: Fault[]): void;
  /** Cut the connection after this many body bytes of the next blob GET. */
  cutNextBlobAfter(bytes: number): void;
  /** Invalidates every token issued so far (as if they expired upstream). */
  revokeTokens(): void;
  /** Resolves when the given number of responses have been aborted by their client. */
  waitForAborts(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Deterministic incompressible bytes (AES-CTR keystream of the seed). */
export function blobBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const username = options.username ?? 'user';
  const password = options.password ?? 'pass-word-secret';
  const manifests = new Map<string, { body: string; mediaType: string; digest: string }>();
  const blobs = new Map<string, Buffer>();
  const requests: FakeRequest[] = [];
  const tokenRequests: FakeRequest[] = [];
  const faults: Fault[] = [];
  const validTokens = new Set<string>();
  let tokenCounter = 0;
  let cutAfter: number | undefined;
  let aborted = 0;
  let blobBytesSent = 0;
  let connections = 0;
  const abortWaiters: { count: number; resolve: () => void }[] = [];
  let base = '';

  const basicOk = (header: string | undefined) =>
    header === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const record = { method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers } };
    if (url.pathname === '/token') {
      tokenRequests.push(record);
      if (!basicOk(req.headers.authorization))
        return sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] });
      const token = `tok-${++tokenCounter}-${Math.random().toString(36).slice(2)}`;
      validTokens.add(token);
      return sendJson(res, 200, {
        token,
        ...(options.tokenExpiresIn === undefined ? {} : { expires_in: options.tokenExpiresIn }),
      });
    }
    requests.push(record);
    const fault = faults.shift();
    if (fault !== undefined) {
      const body =
        fault.body ?? JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `fault ${fault.status}` }] });
      res.writeHead(fault.status, { 'content-length': String(Buffer.byteLength(body)), ...fault.headers });
      res.end(body);
      return;
    }
    const auth = req.headers.authorization;
    if (options.auth === 'basic' && !basicOk(auth)) {
      return sendJson(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED' }] },
        { 'www-authenticate': 'Basic realm="fake"' },
      );
    }
    if (options.auth === 'bearer' && !(auth?.startsWith('Bearer ') && validTokens.has(auth.slice(7)))) {
      return sendJson(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED' }] },
        {
          'www-authenticate': `Bearer realm="${base}/token",service="fake-registry",scope="repository:x:pull"`,
        },
      );
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.+)$/.exec(url.pathname);
    if (url.pathname === '/v2/') return sendJson(res, 200, {});
    if (match === null) return sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
    const [, repository, kind, reference] = match as unknown as [string, string, string, string];
    if (kind === 'tags') {
      const tags = [...manifests.keys()]
        .filter((k) => k.startsWith(`${repository}:`))
        .map((k) => k.split(':')[1]);
      return sendJson(
        res,
        200,
        { name: repository, tags },
        { link: `</v2/${repository}/tags/list?n=1&last=a>; rel="next"` },
      );
    }
    if (kind === 'manifests') {
      const manifest =
        manifests.get(`${repository}:${reference}`) ??
        [...manifests.values()].find((m) => m.digest === reference);
      if (manifest === undefined) return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
      res.writeHead(200, {
        'content-type': manifest.mediaType,
        'content-length': String(Buffer.byteLength(manifest.body)),
        'docker-content-digest': manifest.digest,
        etag: `"${manifest.digest}"`,
      });
      res.end(req.method === 'HEAD' ? undefined : manifest.body);
      return;
    }
    const data = blobs.get(`${repository}@${reference}`);
    if (data === undefined) return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
    let start = 0;
    let end = data.length - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'docker-content-digest': reference,
      'accept-ranges': 'bytes',
      etag: `"${reference}"`,
    };
    if (range !== null) {
      start = Number(range[1]);
      end = range[2] === '' ? end : Math.min(end, Number(range[2]));
      headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
    }
    headers['content-length'] = String(end - start + 1);
    res.writeHead(range === null ? 200 : 206, headers);
    if (req.method === 'HEAD') return res.end();
    const limit = cutAfter;
    cutAfter = undefined;
    let offset = start;
    const stop = end + 1;
    res.on('close', () => {
      if (!res.writableFinished) {
        aborted++;
        for (const waiter of abortWaiters.filter((w) => aborted >= w.count)) waiter.resolve();
      }
    });
    const pump = () => {
      while (offset < stop) {
        const next = Math.min(stop, offset + 64 * 1024);
        if (limit !== undefined && next - start > limit) {
          res.write(data.subarray(offset, start + limit));
          res.socket?.destroy();
          return;
        }
        const ok = res.write(data.subarray(offset, next));
        blobBytesSent += next - offset;
        offset = next;
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    host: `127.0.0.1:${port}`,
    url: base,
    requests,
    tokenRequests,
    get abortedResponses() {
      return aborted;
    },
    get blobBytesSent() {
      return blobBytesSent;
    },
    get connections() {
      return connections;
    },
    addManifest(repository, tag, body, mediaType) {
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      manifests.set(`${repository}:${tag}`, { body, mediaType, digest });
      return digest;
    },
    addBlob(repository, size) {
      const data = blobBytes(`${repository}-${size}`, size);
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      blobs.set(`${repository}@${digest}`, data);
      return { digest, size };
    },
    failNext(...next) {
      faults.push(...next);
    },
    cutNextBlobAfter(bytes) {
      cutAfter = bytes;
    },
    revokeTokens() {
      validTokens.clear();
    },
    waitForAborts(count) {
      if (aborted >= count) return Promise.resolve();
      return new Promise((resolve) => abortWaiters.push({ count, resolve }));
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
