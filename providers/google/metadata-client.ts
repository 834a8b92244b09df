import { type Credentials, type gaxios, OAuth2Client } from 'google-auth-library';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';

/** Where the metadata server is when nothing says otherwise (GCE, GKE). */
export const DEFAULT_METADATA_HOST = '169.254.169.254';
export const METADATA_FLAVOR = 'Metadata-Flavor';

export interface MetadataClientOptions {
  /** `host[:port]` or an http URL. */
  readonly host: string;
  readonly serviceAccount: string;
  /** Sent as `?scopes=` only when the user chose scopes; otherwise the instance's scopes apply. */
  readonly scopes: readonly string[] | undefined;
  readonly transporter: gaxios.Gaxios;
  readonly now: () => number;
  readonly eagerRefreshThresholdMillis?: number;
}

/**
 * The metadata-server token client (GKE Workload Identity, GCE), as a google-auth-library OAuth2Client
 * so it can be the source of an `Impersonated` client. It replaces the library's `Compute` client
 * because that one reaches the server through gcp-metadata, which reads `process.env.GCE_METADATA_HOST`
 * and uses the global gaxios instance: regcred takes the host from its own env and the dispatcher.
 */
export class MetadataTokenClient extends OAuth2Client {
  readonly baseUrl: string;
  readonly serviceAccount: string;
  readonly #scopes: readonly string[] | undefined;
  readonly #now: () => number;

  constructor(options: MetadataClientOptions) {
    super({
      transporter: options.transporter,
      ...(options.eagerRefreshThresholdMillis === undefined
        ? {}
        : { eagerRefreshThresholdMillis: options.eagerRefreshThresholdMillis }),
    });
    this.baseUrl = metadataBaseUrl(options.host);
    this.serviceAccount = options.serviceAccount;
    this.#scopes = options.scopes;
    this.#now = options.now;
    // OAuth2Client refreshes only when it holds a refresh token; the metadata server needs none.
    this.credentials = { expiry_date: 1, refresh_token: 'metadata-placeholder' };
  }

  protected override async refreshTokenNoCache(): Promise<{ tokens: Credentials; res: null }> {
    const url = `${this.baseUrl}/computeMetadata/v1/instance/service-accounts/${encodeURIComponent(this.serviceAccount)}/token`;
    const response = await this.transporter.request<unknown>({
      url,
      method: 'GET',
      headers: { [METADATA_FLAVOR]: 'Google' },
      params: this.#scopes === undefined ? undefined : { scopes: this.#scopes.join(',') },
      responseType: 'json',
    });
    checkFlavor(response.headers);
    const tokens = parseMetadataToken(response.data, this.#now());
    this.emit('tokens', tokens);
    return { tokens, res: null };
  }

  /** The service account's email, for logs and error messages. */
  async fetchEmail(): Promise<string> {
    const url = `${this.baseUrl}/computeMetadata/v1/instance/service-accounts/${encodeURIComponent(this.serviceAccount)}/email`;
    const response = await this.transporter.request<string>({
      url,
      method: 'GET',
      headers: { [METADATA_FLAVOR]: 'Google' },
      responseType: 'text',
    });
    checkFlavor(response.headers);
    return String(response.data).trim();
  }
}

export function metadataBaseUrl(host: string): string {
  const withScheme = /^https?:\/\//.test(host) ? host : `http://${host}`;
  return new URL(withScheme).origin;
}

/** A response without `Metadata-Flavor: Google` did not come from a metadata server (a proxy, a captive portal). */
function checkFlavor(headers: Headers): void {
  const flavor = headers.get(METADATA_FLAVOR);
  if (flavor !== 'Google') {
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      `the metadata server answered without "${METADATA_FLAVOR}: Google" (got ${flavor === null ? 'no header' : JSON.stringify(flavor.slice(0, 40))}); is GCE_METADATA_HOST pointing at a metadata server?`,
    );
  }
}

/** `{access_token, expires_in, token_type}` → tokens with an absolute expiry; `expires_in` is the remaining life. */
export function parseMetadataToken(data: unknown, now: number): Credentials {
  const body = typeof data === 'string' ? safeJson(data) : data;
  if (typeof body !== 'object' || body === null) {
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      'the metadata server answered a token that is not JSON',
    );
  }
  const {
    access_token: accessToken,
    expires_in: expiresIn,
    token_type: tokenType,
  } = body as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new RegcredError(ErrorCode.CredentialInvalid, 'the metadata server answered without access_token');
  }
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      'the metadata server answered without a positive expires_in',
    );
  }
  return {
    access_token: accessToken,
    token_type: typeof tokenType === 'string' ? tokenType : 'Bearer',
    expiry_date: now + seconds * 1000,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
