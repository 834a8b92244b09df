import { connect, type Socket } from 'node:net';
import { Agent } from 'undici';

/**
 * A dispatcher that sends requests for some real hosts (`oauth2.googleapis.com:443`) to plain-HTTP
 * fakes on 127.0.0.1, the way a test swaps DNS. For endpoints google-auth-library hard-codes (the
 * JWT-bearer grant ignores a key's `token_uri`); everything else still goes straight to loopback.
 */
export function loopbackDispatcher(routes: Readonly<Record<string, number>>): Agent {
  return new Agent({
    connect: (options, callback) => {
      const port = Number(options.port || (options.protocol === 'https:' ? 443 : 80));
      const target = routes[`${options.hostname}:${port}`];
      const socket: Socket = connect({ host: '127.0.0.1', port: target ?? port });
      if (target === undefined && options.hostname !== '127.0.0.1' && options.hostname !== 'localhost') {
        socket.destroy();
        callback(new Error(`test dispatcher: no route for ${options.hostname}:${port}`), null);
        return;
      }
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    },
  });
}
