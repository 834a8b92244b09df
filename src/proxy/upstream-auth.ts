import type { Dispatcher } from 'undici';
import type { Clock } from '../core/clock.ts';
import type { Credential } from '../core/credential.ts';
import type { CredentialSource } from '../core/credential-source.ts';
import { ErrorCode, RegcredError } from '../core/errors.ts';
import { readCapped } from '../core/http-body.ts';
import type { SecretScrubber } from '../core/redaction.ts';
import type { ProxyMetrics } from './proxy-metrics.ts';
import { TokenCache } from './token-cache.ts';
import type { UpstreamTarget } from './upstream-target.ts';
import { parseWwwAuthenticate } from './www-authenticate.ts';

type KnownChallenge =
  | { readonly scheme: 'basic' }
  | { readonly scheme: 'bearer'; readonly realm: URL; readonly service: string | undefined };

export interface UpstreamAuthOptions {
  readonly credentials: CredentialSource;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly metrics: ProxyMetrics;
  readonly scrubber?: SecretScrubber | undefined;
  /** Token endpoint answers larger than this are refused. */
  readonly maxTokenResponseBytes?: number;
}

const MAX_TOKEN_RESPONSE = 256 * 1024;
/** How long the request path reuses a Basic value before asking the CredentialSource (cheap) again. */
const BASIC_RECHECK_MS = 60_000;
/** Stop using a Basic credential this long before it expires. */
const BASIC_MARGIN_MS = 10_000;

/**
 * Upstream credentials for the proxy: remembers each registry's challenge (Basic or Bearer), builds
 * `Authorization` values from the CredentialSource, and keeps bearer tokens per (registry, scope).
 */
export class UpstreamAuth {
  readonly #options: UpstreamAuthOptions;
  readonly #challenges = new Map<string, KnownChallenge>();
  readonly #basic = new WeakMap<Credential, string>();
  /** Registries whose Basic credential was refused: the next lookup bypasses the credential cache. */
  readonly #refreshBasic = new Set<string>();
  /**
   * The Basic value last built per registry, and until when the request path may use it without asking
   * the CredentialSource again (its expiry minus a margin, and at most a minute, so rotations show up).
   */
  readonly #basicByHost = new Map<string, { readonly value: string | undefined; readonly until: number }>();
  readonly tokens: TokenCache;

  constructor(options: UpstreamAuthOptions) {
    this.#options = options;
    this.tokens = new TokenCache({
      clock: options.clock,
      onLookup: (key, hit) => {
        if (hit) options.metrics.tokenCacheHit(key.slice(0, key.indexOf(' ')));
      },
    });
  }

  /** Whether the registry's challenge is known (so the first request can carry credentials). */
  knows(target: UpstreamTarget): boolean {
    return this.#challenges.has(target.host);
  }

  /**
   * The request path's fast lane: the `Authorization` value from the caches, undefined when none is to be
   * sent, or null when it must be fetched with `authorization()`. Never waits, never throws.
   */
  cachedAuthorization(target: UpstreamTarget, scope: string): string | undefined | null {
    const challenge = this.#challenges.get(target.host);
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      const cached = this.#basicByHost.get(target.host);
      return cached !== undefined && this.#options.clock.now() < cached.until ? cached.value : null;
    }
    const token = this.tokens.peek(TokenCache.key(target.host, scope));
    return token === undefined ? null : `Bearer ${token}`;
  }

  /**
   * The `Authorization` value for a request to `target` needing `scope`, or undefined when the challenge
   * is not known yet (send without, learn from the 401). Throws RegcredError when credentials or a token
   * cannot be had.
   */
  async authorization(
    target: UpstreamTarget,
    scope: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const challenge = this.#challenges.get(target.host);
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      const credential = await this.#credential(target, signal);
      const value = credential === undefined ? undefined : this.#basicValue(credential);
      const now = this.#options.clock.now();
      const expiry = credential?.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
      this.#basicByHost.set(target.host, {
        value,
        until: Math.min(now + BASIC_RECHECK_MS, expiry - BASIC_MARGIN_MS),
      });
      return value;
    }
    const key = TokenCache.key(target.host, scope);
    const token = await this.tokens.get(
      key,
      (fetchSignal) => this.#fetchToken(target, challenge, scope, fetchSignal),
      signal,
    );
    return `Bearer ${token}`;
  }

  /**
   * Learns from an upstream 401. Returns true when a retry with fresh authorization can succeed: the
   * challenge was new, or the value that was sent is now dropped from the caches.
   */
  unauthorized(
    target: UpstreamTarget,
    scope: string,
    header: string | undefined,
    sent: string | undefined,
  ): boolean {
    const challenges = header === undefined ? undefined : parseWwwAuthenticate(header);
    const bearer = challenges?.find((c) => c.scheme === 'bearer');
    const basic = challenges?.find((c) => c.scheme === 'basic');
    let learned: KnownChallenge | undefined;
    if (bearer !== undefined) {
      const realm = bearer.params.get('realm');
      const url = realm === undefined ? undefined : safeRealm(realm, target.insecure);
      if (url !== undefined)
        learned = { scheme: 'bearer', realm: url, service: bearer.params.get('service') };
    } else if (basic !== undefined) {
      learned = { scheme: 'basic' };
    }
    if (learned === undefined) return false;
    const before = this.#challenges.get(target.host);
    this.#challenges.set(target.host, learned);
    if (sent === undefined) return true;
    if (before === undefined || before.scheme !== learned.scheme) return true;
    if (learned.scheme === 'bearer') {
      this.tokens.invalidate(TokenCache.key(target.host, scope), sent.slice('Bearer '.length));
      return true;
    }
    this.#basicByHost.delete(target.host);
    if (this.#options.credentials.match(target.host) === undefined) return false;
    this.#refreshBasic.add(target.host);
    return true;
  }

  async #credential(target: UpstreamTarget, signal: AbortSignal): Promise<Credential | undefined> {
    const { credentials } = this.#options;
    if (credentials.match(target.host) === undefined) return undefined;
    const forceRefresh = this.#refreshBasic.delete(target.host);
    return credentials.getCredential(target.host, { signal, forceRefresh });
  }

  #basicValue(credential: Credential): string {
    let value = this.#basic.get(credential);
    if (value === undefined) {
      value = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
      this.#basic.set(credential, value);
      this.#options.scrubber?.add(value.slice(6));
    }
    return value;
  }

  async #fetchToken(
    target: UpstreamTarget,
    challenge: Extract<KnownChallenge, { scheme: 'bearer' }>,
    scope: string,
    signal: AbortSignal,
  ): Promise<{ token: string; expiresIn: number | undefined }> {
    const { metrics, dispatcher } = this.#options;
    const url = new URL(challenge.realm);
    if (challenge.service !== undefined) url.searchParams.set('service', challenge.service);
    url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    const credential = await this.#credential(target, signal);
    if (credential !== undefined) headers.authorization = this.#basicValue(credential);
    try {
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        signal,
      });
      const body = (
        await readCapped(
          response.body,
          this.#options.maxTokenResponseBytes ?? MAX_TOKEN_RESPONSE,
          () => new RegcredError(ErrorCode.Upstream, 'token endpoint answer too large'),
        )
      ).toString('utf8');
      if (response.statusCode !== 200) {
        throw new RegcredError(
          response.statusCode === 401 || response.statusCode === 403
            ? ErrorCode.CredentialAuth
            : ErrorCode.Upstream,
          `token endpoint of ${target.host} answered ${response.statusCode}`,
          { details: { registry: target.host, status: response.statusCode } },
        );
      }
      const parsed = parseTokenResponse(body, target.host);
      this.#options.scrubber?.add(parsed.token);
      metrics.tokenFetch(target.host, 'ok');
      return parsed;
    } catch (error) {
      metrics.tokenFetch(target.host, 'error');
      if (error instanceof RegcredError) throw error;
      throw new RegcredError(ErrorCode.Upstream, `token endpoint of ${target.host} failed`, {
        cause: error,
        details: { registry: target.host },
      });
    }
  }
}

/** The realm as a URL, or undefined when it is not https (http only for an insecure registry). */
function safeRealm(realm: string, insecure: boolean): URL | undefined {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return undefined;
  if (url.protocol === 'https:' || (insecure && url.protocol === 'http:')) return url;
  return undefined;
}

function parseTokenResponse(body: string, host: string): { token: string; expiresIn: number | undefined } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new RegcredError(ErrorCode.CredentialInvalid, `token endpoint of ${host} answered non-JSON`, {
      details: { registry: host },
    });
  }
  const record = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const token = typeof record.token === 'string' && record.token !== '' ? record.token : record.access_token;
  if (typeof token !== 'string' || token === '' || /[^\x21-\x7e]/.test(token)) {
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      `token endpoint of ${host} answered without a usable token`,
      {
        details: { registry: host },
      },
    );
  }
  const expiresIn =
    typeof record.expires_in === 'number' && record.expires_in > 0 ? record.expires_in : undefined;
  return { token, expiresIn };
}
