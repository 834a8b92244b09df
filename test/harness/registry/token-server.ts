import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenSigner, type JwtAlgorithm, type TokenAccess, type TokenSigner } from './jwt.ts';
import { listenOnLoopback } from './loopback-server.ts';
import { createServerTls, type ServerTlsMaterial } from './tls.ts';

/** How far past `exp` registry 2.8 still accepts a token (distribution `registry/auth/token` Leeway). */
export const REGISTRY_EXPIRY_LEEWAY_SECONDS = 60;

export interface TokenServerUser {
  username: string;
  password: string;
  /** Repository name (or '*') → actions this user may get. Absent: every requested action is granted. */
  access?: Record<string, readonly string[]>;
}

export interface StartTokenServerOptions {
  issuer?: string;
  service?: string;
  users: readonly TokenServerUser[];
  /** `expires_in` of each token; default 300. */
  tokenTtlSeconds?: number;
  /**
   * Shift `exp` back by the registry's 60 s leeway so the registry really refuses the token
   * `tokenTtlSeconds` (up to one second more) after issue: to test expiry within a short test.
   */
  exactExpiry?: boolean;
  algorithm?: JwtAlgorithm;
  /** true: a fresh test CA and cert; or a cert to serve. Absent: plain http. */
  tls?: boolean | ServerTlsMaterial;
  /** Requests without credentials get a token with no access (like Docker Hub) instead of 401. */
  allowAnonymous?: boolean;
  /** When set, `POST /token` (OAuth2 form) answers this status, like GCR (404) or ACR (400). */
  postStatus?: number;
  /** Initial behaviour; change it later with `configure`. */
  behaviour?: Partial<TokenServerBehaviour>;
}

/** What the token server does now; every field can be changed while it runs. */
export interface TokenServerBehaviour {
  /** `expires_in` of each token (default 300). */
  tokenTtlSeconds: number;
  /** See StartTokenServerOptions.exactExpiry. */
  exactExpiry: boolean;
  /** Refuse every request with 401, as if the credentials were wrong. */
  rejectCredentials: boolean;
  /**
   * Added to the reported `issued_at` (not to the JWT). A large negative value (e.g. -3600) makes
   * clients that trust `issued_at` (containers/image, skopeo) treat each token as already expired.
   */
  issuedAtOffsetSeconds: number;
  /** Which token fields the JSON answer carries (default both). */
  fields: 'both' | 'token' | 'access_token';
  /** Whether the answer carries `expires_in` / `issued_at` (default true). */
  includeExpiresIn: boolean;
  includeIssuedAt: boolean;
  /** Wait this long before answering (to make concurrent fetches overlap). */
  delayMs: number;
}

/** One request the token server saw. */
export interface TokenRequestRecord {
  method: string;
  url: string;
  service: string | null;
  /** Every scope asked for, in order, e.g. `repository:foo:pull,push`. */
  scopes: string[];
  username: string | null;
  /** Whether an Authorization header came with the request. */
  hadAuthorization: boolean;
  status: number;
  /** The access granted (empty when refused). */
  access: TokenAccess[];
  /** The token issued (status 200), so tests can prove it never reaches a log or a metric. */
  token?: string;
}

export interface TokenServer {
  /** `http(s)://127.0.0.1:PORT/token`: the registry's `auth.token.realm`. */
  readonly realm: string;
  readonly url: string;
  readonly issuer: string;
  readonly service: string;
  readonly signer: TokenSigner;
  /** PEM of the CA for the token server's own TLS, when it serves https. */
  readonly caPem: string | undefined;
  /** Everything asked so far, oldest first. */
  readonly requests: readonly TokenRequestRecord[];
  /** Tokens issued so far (status 200 answers). */
  issuedCount(): number;
  /** Current behaviour (a copy). */
  behaviour(): TokenServerBehaviour;
  configure(change: Partial<TokenServerBehaviour>): void;
  setTokenTtl(seconds: number, options?: { exactExpiry?: boolean }): void;
  /** While on, every request is refused with 401 as if the credentials were wrong. */
  rejectCredentials(on: boolean): void;
  /** The next `times` requests answer `status` (e.g. 500, 429) with an error body. */
  failNext(status: number, times?: number, headers?: Record<string, string>): void;
  clearRequests(): void;
  stop(): Promise<void>;
}

/** Starts a distribution token server on 127.0.0.1. Throws when openssl or the listen fails. */
export async function startTokenServer(options: StartTokenServerOptions): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'regcred-token-'));
  const issuer = options.issuer ?? 'test-issuer';
  const service = options.service ?? 'test-registry';
  const signer = await createTokenSigner(dir, options.algorithm ?? 'ES256');
  const tls = await resolveTls(options.tls, dir);
  const users = new Map(options.users.map((user) => [user.username, user]));
  const requests: TokenRequestRecord[] = [];
  const behaviour: TokenServerBehaviour = {
    tokenTtlSeconds: options.tokenTtlSeconds ?? 300,
    exactExpiry: options.exactExpiry ?? false,
    rejectCredentials: false,
    issuedAtOffsetSeconds: 0,
    fields: 'both',
    includeExpiresIn: true,
    includeIssuedAt: true,
    delayMs: 0,
    ...options.behaviour,
  };
  let issued = 0;
  const failures: { status: number; headers: Record<string, string> }[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = req.method === 'POST' ? await readBody(req) : '';
    const form = new URLSearchParams(body);
    const record: TokenRequestRecord = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      service: url.searchParams.get('service') ?? form.get('service'),
      scopes: [...url.searchParams.getAll('scope'), ...form.getAll('scope')].flatMap((s) =>
        s.split(' ').filter((part) => part !== ''),
      ),
      username: null,
      hadAuthorization: req.headers.authorization !== undefined,
      status: 0,
      access: [],
    };
    requests.push(record);
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (url.pathname !== '/token')
      return answer(404, { errors: [{ code: 'NOT_FOUND', message: 'no such path' }] });
    const failure = failures.shift();
    if (failure)
      return answer(
        failure.status,
        { errors: [{ code: 'INJECTED', message: 'injected failure' }] },
        failure.headers,
      );
    if (req.method === 'POST' && options.postStatus !== undefined) {
      return answer(options.postStatus, { error: 'unsupported_grant_type' });
    }
    const credentials =
      req.method === 'POST' && form.get('grant_type') === 'password'
        ? { username: form.get('username') ?? '', password: form.get('password') ?? '' }
        : parseBasic(req.headers.authorization);
    const unauthorized = () =>
      answer(
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        {
          'www-authenticate': 'Basic realm="token"',
        },
      );
    if (credentials) record.username = credentials.username;
    if (behaviour.rejectCredentials) return unauthorized();
    let user: TokenServerUser | undefined;
    if (credentials) {
      user = users.get(credentials.username);
      if (!user || user.password !== credentials.password) return unauthorized();
    } else if (!options.allowAnonymous) {
      return unauthorized();
    }
    record.access = user ? grant(user, record.scopes) : [];
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    const ttl = behaviour.tokenTtlSeconds;
    const shift = behaviour.exactExpiry ? REGISTRY_EXPIRY_LEEWAY_SECONDS : 0;
    const token = signer.sign({
      iss: issuer,
      sub: user?.username ?? '',
      aud: record.service ?? service,
      iat: now,
      nbf: now - 1,
      // Rounded up: the token lives at least `ttl` seconds (at most one more), never less.
      exp: Math.ceil(nowMs / 1000) + ttl - shift,
      jti: randomUUID(),
      access: record.access,
    });
    issued += 1;
    record.token = token;
    const payload: Record<string, unknown> = {};
    if (behaviour.fields !== 'access_token') payload.token = token;
    if (behaviour.fields !== 'token') payload.access_token = token;
    if (behaviour.includeExpiresIn) payload.expires_in = ttl;
    if (behaviour.includeIssuedAt) {
      payload.issued_at = new Date((now + behaviour.issuedAtOffsetSeconds) * 1000).toISOString();
    }
    answer(200, payload);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  };
  const { server, url } = await listenOnLoopback(listener, tls);

  return {
    realm: `${url}/token`,
    url,
    issuer,
    service,
    signer,
    caPem: tls?.caPem,
    requests,
    issuedCount: () => issued,
    behaviour: () => ({ ...behaviour }),
    configure(change) {
      Object.assign(behaviour, change);
    },
    setTokenTtl(seconds, ttlOptions = {}) {
      behaviour.tokenTtlSeconds = seconds;
      if (ttlOptions.exactExpiry !== undefined) behaviour.exactExpiry = ttlOptions.exactExpiry;
    },
    rejectCredentials(on) {
      behaviour.rejectCredentials = on;
    },
    failNext(status, times = 1, headers = {}) {
      for (let i = 0; i < times; i += 1) failures.push({ status, headers });
    },
    clearRequests() {
      requests.length = 0;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Parses `type:name:actions`; the name may itself hold a `:port`. */
export function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter((a) => a !== ''),
  };
}

function grant(user: TokenServerUser, scopes: readonly string[]): TokenAccess[] {
  const access: TokenAccess[] = [];
  for (const scope of scopes) {
    const wanted = parseScope(scope);
    if (!wanted) continue;
    const allowed = user.access ? (user.access[wanted.name] ?? user.access['*']) : undefined;
    const actions = allowed ? wanted.actions.filter((a) => allowed.includes(a)) : wanted.actions;
    if (actions.length > 0) access.push({ ...wanted, actions });
  }
  return access;
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

async function resolveTls(
  tls: StartTokenServerOptions['tls'],
  dir: string,
): Promise<ServerTlsMaterial | undefined> {
  if (!tls) return undefined;
  return tls === true ? createServerTls(dir, 'token') : tls;
}
