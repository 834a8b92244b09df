import { Agent, type Dispatcher, EnvHttpProxyAgent } from 'undici';

export interface DispatcherOptions {
  /** Proxy settings are read from here (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower-case too), not process.env. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Extra trusted CAs (PEM) for this dispatcher only. Without it the process's default store is used, which
   * already includes NODE_EXTRA_CA_CERTS.
   */
  readonly ca?: readonly string[];
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
}

/**
 * The dispatcher every outbound call of the providers goes through: keep-alive pools, timeouts, and
 * HTTP(S)_PROXY / NO_PROXY from the given environment.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const env = options.env;
  const pick = (name: string) => env[name.toLowerCase()] ?? env[name.toUpperCase()];
  const httpProxy = pick('http_proxy');
  const httpsProxy = pick('https_proxy');
  const noProxy = pick('no_proxy');
  const ca = options.ca === undefined ? undefined : [...options.ca];
  const direct = {
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    ...(ca ? { connect: { ca } } : {}),
  };
  // No proxy configured: a plain Agent. EnvHttpProxyAgent would route every request to the same Agent, but
  // only after parsing its origin as a URL, which the registry proxy would pay on every pull.
  if (!httpProxy && !httpsProxy) return new Agent(direct);
  return new EnvHttpProxyAgent({
    ...direct,
    // Empty strings, not undefined: undefined would make undici fall back to process.env.
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? '',
    noProxy: noProxy ?? '',
    // The CA must also reach the target through a proxy tunnel, and an https proxy itself.
    ...(ca ? { requestTls: { ca }, proxyTls: { ca } } : {}),
  });
}

/**
 * Closes a dispatcher gracefully: requests in flight may finish for `graceMs`, then whatever is left is
 * destroyed. A plain `close()` waits for every request, and one that never ends (an upstream that stopped
 * answering, a paused stream) would hold a shutting-down process forever.
 */
export async function closeDispatcher(dispatcher: Dispatcher, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  try {
    const closed = dispatcher.close().then(() => 'closed' as const);
    if ((await Promise.race([closed, deadline])) === 'late') await dispatcher.destroy();
  } finally {
    clearTimeout(timer);
  }
}
