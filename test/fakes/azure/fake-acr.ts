import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { fakeJwt } from './fake-jwt.ts';
import { close, listen, type Script, Script as ScriptClass, sendJson } from './scripted-server.ts';

export interface FakeAcrOptions {
  readonly tls: { readonly certPem: string; readonly keyPem: string };
  /** Which Entra access tokens the registry trusts (normally the fake Entra's issued set). */
  readonly accepts: (accessToken: string) => boolean;
  /** The registry's clock for `exp` (tests pass their FakeClock). */
  readonly now: () => number;
  /** Refresh token lifetime in seconds: ~3 h usually, ~75 min for some identities. */
  readonly refreshTokenLifetimeS?: number;
}

export interface FakeAcr {
  /** `127.0.0.1:PORT`: the registry host. */
  readonly host: string;
  readonly script: Script;
  /** Refresh tokens handed out. */
  readonly issued: string[];
  /** Replaces the `/v2/` challenge header (null: answer 200, as with anonymous pull; undefined: the default). */
  setChallenge(header: string | null | undefined): void;
  setRefreshTokenLifetime(seconds: number | null): void;
  stop(): Promise<void>;
}

export const EXCHANGE_PATH = '/oauth2/exchange';

/**
 * A fake ACR login server over https: the `/v2/` Bearer challenge and `POST /oauth2/exchange`
 * (`grant_type=access_token`), answering with a refresh token JWT whose `exp` follows `now`.
 * A null lifetime issues a token without `exp`.
 */
export async function startFakeAcr(options: FakeAcrOptions): Promise<FakeAcr> {
  const script = new ScriptClass();
  const issued: string[] = [];
  let host = '';
  let challenge: string | null | undefined;
  let lifetime: number | null = options.refreshTokenLifetimeS ?? 3 * 3600;
  const server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { errors: [{ code: 'UNKNOWN' }] });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const recorded = await script.intercept(request, response);
    if (!recorded) return;
    if (recorded.path === '/v2/' && request.method === 'GET') {
      const header =
        challenge === undefined ? `Bearer realm="https://${host}/oauth2/token",service="${host}"` : challenge;
      if (header === null) return sendJson(response, 200, {});
      return sendJson(response, 401, unauthorized('authentication required'), { 'www-authenticate': header });
    }
    if (recorded.path === EXCHANGE_PATH && request.method === 'POST') {
      const { grant_type: grant, service, access_token: accessToken } = recorded.fields;
      if (grant !== 'access_token' || service !== host || !accessToken) {
        return sendJson(response, 400, unauthorized('invalid request'));
      }
      if (!options.accepts(accessToken)) return sendJson(response, 401, unauthorized('invalid token'));
      const now = Math.floor(options.now() / 1000);
      const claims: Record<string, unknown> = {
        jti: randomUUID(),
        sub: 'fake@example',
        nbf: now,
        iat: now,
        iss: 'Azure Container Registry',
        aud: host,
        version: '1.0',
        grant_type: 'refresh_token',
        tenant: recorded.fields.tenant ?? null,
      };
      if (lifetime !== null) claims.exp = now + lifetime;
      const refreshToken = fakeJwt(claims);
      issued.push(refreshToken);
      return sendJson(response, 200, { refresh_token: refreshToken });
    }
    sendJson(response, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  }

  const port = await listen(server);
  host = `127.0.0.1:${port}`;
  return {
    host,
    script,
    issued,
    setChallenge: (header) => {
      challenge = header;
    },
    setRefreshTokenLifetime: (seconds) => {
      lifetime = seconds;
    },
    stop: () => close(server, script),
  };
}

function unauthorized(message: string) {
  return { errors: [{ code: 'UNAUTHORIZED', message, detail: null }] };
}
