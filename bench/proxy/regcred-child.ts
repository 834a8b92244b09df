// Runs `regcred proxy` (startProxy, the shared dispatcher) in its own process so the benchmark can
// measure its CPU and memory alone.
// argv: <upstream host:port> <counting upstream host:port> <username> <password> [highWaterMark]
import { proxySchema } from '../../src/config/proxy-schema.ts';
import { createDispatcher } from '../../src/core/http-dispatcher.ts';
import { createLogger } from '../../src/core/logger.ts';
import { startProxy } from '../../src/proxy/proxy-server.ts';
import { FakeCredentialSource } from '../../test/proxy/fake-credential-source.ts';

const [upstream = '', counting = '', username = '', password = '', highWaterMark] = process.argv.slice(2);
const config = proxySchema.parse({
  listen: '127.0.0.1:0',
  metricsListen: '',
  upstreams: [
    { alias: 'up', registry: upstream, insecure: true },
    { alias: 'slow', registry: counting, insecure: true },
  ],
  ...(highWaterMark ? { responseHighWaterMark: Number(highWaterMark) } : {}),
});
if (config === undefined) throw new Error('unreachable');
const proxy = await startProxy({
  config,
  credentials: new FakeCredentialSource({ [upstream]: { username, password } }),
  dispatcher: createDispatcher({ env: {} }),
  logger: createLogger({ level: 'warn' }),
});
process.stdout.write(`${proxy.url}\n`);
const stop = () => {
  void proxy.close(0).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
// The benchmark holds our stdin open: when it dies, so do we (no orphaned proxy on the shared machine).
process.stdin.on('end', stop);
process.stdin.resume();
