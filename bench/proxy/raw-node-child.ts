// The design floor for the benchmark: the leanest Node proxy (http server, one undici dispatch handler
// writing to the response, fixed Authorization) with no routing, validation, auth flow or metrics.
// argv: <upstream host:port> <counting upstream host:port> <username> <password>
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';

const [upstream = '', counting = '', username = '', password = ''] = process.argv.slice(2);
const agent = new Agent();
const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const PASS = [
  'content-type',
  'content-length',
  'docker-content-digest',
  'etag',
  'content-range',
  'accept-ranges',
];

const server = createServer({ highWaterMark: 1024 * 1024 }, (req, res) => {
  const url = req.url ?? '/';
  const slow = url.startsWith('/v2/slow/');
  const path = url.replace(/^\/v2\/(up|slow)\//, '/v2/');
  const handler: Dispatcher.DispatchHandler = {
    onResponseStart(_c, status, headers) {
      const out: Record<string, string> = {};
      for (const name of PASS) {
        const value = headers[name];
        if (typeof value === 'string') out[name] = value;
      }
      res.writeHead(status, out);
      if (req.method === 'HEAD') res.end();
    },
    onResponseData(c, chunk) {
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      if (req.method !== 'HEAD') res.end();
    },
    onResponseError() {
      res.destroy();
    },
  };
  let controller: Dispatcher.DispatchController | undefined;
  handler.onRequestStart = (c) => {
    controller = c;
  };
  res.on('close', () => {
    if (!res.writableFinished) controller?.abort(new Error('client gone'));
  });
  agent.dispatch(
    {
      origin: `http://${slow ? counting : upstream}`,
      path,
      method: req.method === 'HEAD' ? 'HEAD' : 'GET',
      headers: { accept: req.headers.accept ?? '*/*', authorization },
    },
    handler,
  );
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
