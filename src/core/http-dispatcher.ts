import { type Dispatcher, EnvHttpProxyAgent } from 'undici';

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
  return new EnvHttpProxyAgent({
    // Empty strings, not undefined: undefined would make undici fall back to process.env.
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? '',
    noProxy: noProxy ?? '',
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
    ...(options.ca ? { connect: { ca: [...options.ca] } } : {}),
  });
}
