import { createVerify, type KeyObject, randomBytes } from 'node:crypto';
import {
  applyFault,
  CallCounter,
  FaultScript,
  listenLoopback,
  type RecordedRequest,
  sendJson,
  sendUnauthenticated,
} from './http.ts';

export type GoogleApiRoute = 'oauth2-token' | 'sts-token' | 'generate-access-token';

export interface FakeGoogleApisOptions {
  /** Service accounts whose JWT assertions are accepted: email → public key. */
  readonly serviceAccounts?: ReadonlyMap<string, KeyObject>;
  /** Subject tokens STS accepts (workload identity federation). */
  readonly subjectTokens?: readonly string[];
  /** Refresh tokens of `authorized_user` credentials the OAuth2 endpoint accepts. */
  readonly refreshTokens?: readonly string[];
  /** Bearer tokens from elsewhere (a fake metadata server) IAM Credentials accepts too. */
  readonly trustToken?: (token: string) => boolean;
  /** Service accounts callers may impersonate. */
  readonly impersonable?: readonly string[];
  readonly now?: () => number;
  readonly tokenLifetimeSeconds?: number;
}

export interface FakeGoogleApis {
  readonly origin: string;
  readonly port: number;
  readonly calls: CallCounter;
  readonly faults: FaultScript;
  readonly requests: RecordedRequest[];
  /** Every access token issued, by route. */
  readonly issued: { route: GoogleApiRoute; token: string; subject: string }[];
  /** True when `token` was issued by this fake (for the Artifact Registry fake's auth check). */
  isValidToken(token: string): boolean;
  close(): Promise<void>;
}

/**
 * Google's token endpoints on loopback:
 * - `POST /token`: OAuth2 JWT-bearer grant (service-account keys), checks the RS256 signature; and the
 *   refresh-token grant (`authorized_user`);
 * - `POST /v1/token`: STS token exchange (external accounts / workload identity federation);
 * - `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken`: IAM Credentials impersonation,
 *   which needs a Bearer token this fake issued.
 */
export async function startFakeGoogleApis(options: FakeGoogleApisOptions = {}): Promise<FakeGoogleApis> {
  const now = options.now ?? Date.now;
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const calls = new CallCounter();
  const faults = new FaultScript();
  const requests: RecordedRequest[] = [];
  const issued: FakeGoogleApis['issued'] = [];
  const mint = (route: GoogleApiRoute, subject: string) => {
    const token = `ya29.fake-${route}-${randomBytes(18).toString('base64url')}`;
    issued.push({ route, token, subject });
    return token;
  };
  const isValidToken = (token: string) =>
    issued.some((entry) => entry.token === token) || (options.trustToken?.(token) ?? false);

  const server = await listenLoopback((req, res) => {
    requests.push(req);
    const route = routeOf(req);
    if (route === undefined) {
      sendJson(res, 404, {
        error: { code: 404, message: `no route ${req.method} ${req.path}`, status: 'NOT_FOUND' },
      });
      return;
    }
    calls.hit(route);
    if (applyFault(faults.next(route), res)) return;
    const form = new URLSearchParams(req.body);
    switch (route) {
      case 'oauth2-token': {
        if (form.get('grant_type') === 'refresh_token') {
          const refreshToken = form.get('refresh_token') ?? '';
          if (!(options.refreshTokens ?? []).includes(refreshToken)) {
            sendJson(res, 400, {
              error: 'invalid_grant',
              error_description: 'Token has been expired or revoked.',
            });
            return;
          }
          sendJson(res, 200, {
            access_token: mint(route, 'user'),
            expires_in: lifetime,
            token_type: 'Bearer',
          });
          return;
        }
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
          sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'expected jwt-bearer' });
          return;
        }
        const claims = verifyAssertion(form.get('assertion') ?? '', options.serviceAccounts ?? new Map());
        if (claims === undefined) {
          sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
          return;
        }
        sendJson(res, 200, {
          access_token: mint(route, claims.iss),
          expires_in: lifetime,
          token_type: 'Bearer',
        });
        return;
      }
      case 'sts-token': {
        const subject = form.get('subject_token') ?? '';
        if (
          form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' ||
          !(options.subjectTokens ?? []).includes(subject)
        ) {
          sendJson(res, 400, { error: 'invalid_grant', error_description: 'The subject token is invalid.' });
          return;
        }
        sendJson(res, 200, {
          access_token: mint(route, form.get('audience') ?? ''),
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: lifetime,
        });
        return;
      }
      case 'generate-access-token': {
        const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
        if (bearer === undefined || !isValidToken(bearer)) {
          sendUnauthenticated(res);
          return;
        }
        const target = /serviceAccounts\/([^:]+):generateAccessToken$/.exec(req.path)?.[1] ?? '';
        if (!(options.impersonable ?? []).includes(target)) {
          sendJson(res, 403, {
            error: {
              code: 403,
              message:
                "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
              status: 'PERMISSION_DENIED',
            },
          });
          return;
        }
        const body = JSON.parse(req.body || '{}') as { lifetime?: string };
        const seconds = Number.parseInt(body.lifetime ?? '3600', 10);
        sendJson(res, 200, {
          accessToken: mint(route, target),
          expireTime: new Date(now() + seconds * 1000).toISOString(),
        });
        return;
      }
    }
  });

  return {
    origin: server.origin,
    port: server.port,
    calls,
    faults,
    requests,
    issued,
    isValidToken,
    close: () => server.close(),
  };
}

function routeOf(req: RecordedRequest): GoogleApiRoute | undefined {
  if (req.method !== 'POST') return undefined;
  if (req.path === '/token') return 'oauth2-token';
  if (req.path === '/v1/token') return 'sts-token';
  if (/^\/v1\/projects\/-\/serviceAccounts\/[^/]+:generateAccessToken$/.test(req.path))
    return 'generate-access-token';
  return undefined;
}

/** Checks an RS256 JWT assertion against the registered service accounts; returns its claims. */
function verifyAssertion(
  assertion: string,
  accounts: ReadonlyMap<string, KeyObject>,
): { iss: string; scope?: string } | undefined {
  const [header, payload, signature] = assertion.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  let claims: { iss?: unknown; scope?: unknown; aud?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  if (typeof claims.iss !== 'string') return undefined;
  const key = accounts.get(claims.iss);
  if (key === undefined) return undefined;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify(key, Buffer.from(signature, 'base64url'))) return undefined;
  return { iss: claims.iss, ...(typeof claims.scope === 'string' ? { scope: claims.scope } : {}) };
}
