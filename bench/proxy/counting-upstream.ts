import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An upstream that serves an endless-ish blob and counts the bytes the proxy has taken from it, to measure
 * how far a proxy reads ahead of a slow client.
 */
export async function startCountingUpstream(size: number): Promise<{
  host: string;
  /** Bytes handed to the kernel for the current (latest) response. */
  sent(): number;
  stop(): Promise<void>;
}> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  let current = 0;
  let latest: ServerResponse | undefined;
  const server = createServer((req, res) => {
    current = 0;
    latest = res;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    if (req.method === 'HEAD') return res.end();
    let left = size;
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        current += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('close', () => {
      left = 0;
    });
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    // Written into the socket minus what still sits in Node's own buffer: what the kernel has taken.
    sent: () => current - (latest?.writableLength ?? 0),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
