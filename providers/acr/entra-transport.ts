import type { ClientSecretCredentialOptions } from '@azure/identity';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import type { BoundedHttp } from './http.ts';

// The pipeline types, derived from @azure/identity's public options so no transitive package is imported.
type HttpClient = NonNullable<ClientSecretCredentialOptions['httpClient']>;
type PipelineRequest = Parameters<HttpClient['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<HttpClient['sendRequest']>>;
type HttpHeaders = PipelineResponse['headers'];

/**
 * An Azure SDK `HttpClient` that sends Entra ID and managed identity calls through regcred's bounded
 * HTTP function (the undici dispatcher with proxy and CA settings, a deadline, a body cap), instead of
 * the SDK's own `https` transport that reads proxy settings from `process.env`.
 */
export function entraTransport(
  http: BoundedHttp,
  what: string,
  errors: { last?: RegcredError | undefined } = {},
): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const method = request.method === 'GET' || request.method === 'POST' ? request.method : undefined;
      if (method === undefined) {
        throw new RegcredError(ErrorCode.Internal, `${what}: unexpected ${request.method} request`);
      }
      const body = request.body;
      if (body !== undefined && body !== null && typeof body !== 'string') {
        // Entra and managed identity requests are form or JSON strings; anything else is a surprise.
        throw new RegcredError(ErrorCode.Internal, `${what}: unsupported request body type`);
      }
      const signal = request.abortSignal as AbortSignal | undefined;
      const answer = await http({
        url: request.url,
        method,
        // The SDK asks for gzip and expects Node's http client to undo it; undici does not. Token answers
        // are small, and an uncompressed body keeps the size cap meaningful.
        headers: { ...request.headers.toJSON(), 'accept-encoding': 'identity' },
        ...(typeof body === 'string' ? { body } : {}),
        ...(signal ? { signal } : {}),
        what,
      }).catch((error: unknown) => {
        // MSAL reports any transport failure as a bare network_error; keep ours for the real cause.
        if (error instanceof RegcredError) errors.last = error;
        throw error;
      });
      return { request, status: answer.status, headers: headersOf(answer.headers), bodyAsText: answer.body };
    },
  };
}

function headersOf(raw: Readonly<Record<string, string>>): HttpHeaders {
  const map = new Map<string, string>(
    Object.entries(raw).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    get: (name) => map.get(name.toLowerCase()),
    has: (name) => map.has(name.toLowerCase()),
    set: (name, value) => {
      map.set(name.toLowerCase(), String(value));
    },
    delete: (name) => {
      map.delete(name.toLowerCase());
    },
    toJSON: () => Object.fromEntries(map),
    [Symbol.iterator]: () => map.entries(),
  };
}
