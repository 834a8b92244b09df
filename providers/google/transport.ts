import { AsyncLocalStorage } from 'node:async_hooks';
import { gaxios } from 'google-auth-library';
import { type Dispatcher, fetch as undiciFetch } from 'undici';

/**
 * The abort signal of the token fetch or discovery run in progress. google-auth-library's methods take
 * no signal, so it rides along the async context down to `fetch`; concurrent runs never mix up.
 */
const currentSignal = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` so that every HTTP request google-auth-library or gax makes inside it honours `signal`. */
export function withRequestSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return currentSignal.run(signal, fn);
}

/** The signal of the surrounding `withRequestSignal`, if any. */
export function currentRequestSignal(): AbortSignal | undefined {
  return currentSignal.getStore();
}

type FetchLike = (...args: Parameters<typeof fetch>) => ReturnType<typeof fetch>;

/**
 * A gaxios instance for every google-auth-library client and the Artifact Registry client:
 * - requests go through undici with regcred's dispatcher (HTTP(S)_PROXY, NO_PROXY, extra CA applied),
 *   not through gaxios' own proxy agent or Node's global fetch;
 * - gaxios' built-in retries are off: regcred retries with backoff on its injected clock instead;
 * - the abort signal of the surrounding `withRequestSignal` cancels the request.
 */
export function createTransporter(dispatcher: Dispatcher): gaxios.Gaxios {
  const fetchImplementation = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const signals = [init?.signal, currentSignal.getStore()].filter(
      (signal): signal is AbortSignal => signal !== undefined && signal !== null,
    );
    const { agent: _ignoredAgent, ...rest } = (init ?? {}) as RequestInit & { agent?: unknown };
    return undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(rest as Parameters<typeof undiciFetch>[1]),
      dispatcher,
      signal: signals.length === 0 ? undefined : AbortSignal.any(signals),
    });
  }) as unknown as FetchLike;

  const transporter = new gaxios.Gaxios({ fetchImplementation });
  transporter.interceptors.request.add({
    resolved: async (options) => {
      options.retry = false;
      options.retryConfig = { ...options.retryConfig, retry: 0, noResponseRetries: 0 };
      return options;
    },
  });
  return transporter;
}
