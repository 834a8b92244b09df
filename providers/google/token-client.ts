import { type Credentials, type gaxios, OAuth2Client } from 'google-auth-library';

export interface AccessToken {
  readonly accessToken: string;
  readonly expiresAt: Date;
}

/**
 * An auth client for the Artifact Registry client whose tokens come from the provider's own coalesced,
 * retried token fetch, so discovery never opens a second path to the token endpoint.
 */
export class ProviderTokenClient extends OAuth2Client {
  readonly #fetchToken: () => Promise<AccessToken>;

  constructor(fetchToken: () => Promise<AccessToken>, transporter: gaxios.Gaxios) {
    super({ transporter });
    this.#fetchToken = fetchToken;
    this.credentials = { expiry_date: 1, refresh_token: 'regcred-placeholder' };
  }

  protected override async refreshTokenNoCache(): Promise<{ tokens: Credentials; res: null }> {
    const token = await this.#fetchToken();
    return {
      tokens: {
        access_token: token.accessToken,
        expiry_date: token.expiresAt.getTime(),
        token_type: 'Bearer',
      },
      res: null,
    };
  }
}
