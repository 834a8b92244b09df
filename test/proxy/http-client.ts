import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The response ended early (connection cut) or errored. */
  error?: Error;
}

/** Sends `path` byte for byte (no URL normalization), the way a hostile client could. */
export function rawRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const done = (error?: Error) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            ...(error ? { error } : {}),
          });
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(res.complete ? undefined : new Error('incomplete response')));
        res.on('error', (error) => done(error));
        res.on('aborted', () => done(new Error('aborted')));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
