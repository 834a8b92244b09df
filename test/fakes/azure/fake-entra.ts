import { createPublicKey, createVerify, randomUUID, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { fakeJwt } from './fake-jwt.ts';
import { close, listen, type Script, Script as ScriptClass, sendJson } from './scripted-server.ts';

export const ACR_SCOPE = 'https://containerregistry.azure.net/.default';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An app registration the fake knows, with the one way it may sign in. */
export interface FakeEntraClient {
  readonly clientId: string;
  readonly secret?: string;
  /** The exact projected service-account token a workload identity presents. */
  readonly federatedToken?: string;
  /** PEM certificate whose key signs client assertions. */
  readonly certificatePem?: string;
}

export interface FakeEntraOptions {
  readonly tls: { readonly certPem: string; readonly keyPem: string };
  readonly tenantId: string;
  readonly clients: readonly FakeEntraClient[];
  /** Seconds; Entra gives 60–90 minutes. */
  readonly tokenLifetimeS?: number;
  readonly scope?: string;
}

export interface FakeEntra {
  /** `https://127.0.0.1:PORT`: pass as `authorityHost`. */
  readonly authorityHost: string;
  readonly script: Script;
  /** Access tokens issued so far (the fake ACR accepts exactly these). */
  readonly issued: Set<string>;
  readonly tokenPath: string;
  stop(): Promise<void>;
}

/**
 * A fake Microsoft Entra ID over https, enough for MSAL: OpenID discovery and the v2 token endpoint
 * with client_credentials by secret, federated assertion (workload identity) or certificate assertion.
 * Errors are shaped like Entra's (`error`, `error_description` with an AADSTS code).
 */
export async function startFakeEntra(options: FakeEntraOptions): Promise<FakeEntra> {
  const script = new ScriptClass();
  const issued = new Set<string>();
  const scope = options.scope ?? ACR_SCOPE;
  const tokenPath = `/${options.tenantId}/oauth2/v2.0/token`;
  let base = '';
  const server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { error: 'server_error' });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const recorded = await script.intercept(request, response);
    if (!recorded) return;
    const tenantBase = `${base}/${options.tenantId}`;
    if (
      request.method === 'GET' &&
      recorded.path === `/${options.tenantId}/v2.0/.well-known/openid-configuration`
    ) {
      sendJson(response, 200, {
        token_endpoint: `${tenantBase}/oauth2/v2.0/token`,
        authorization_endpoint: `${tenantBase}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${tenantBase}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${tenantBase}/oauth2/v2.0/logout`,
        jwks_uri: `${tenantBase}/discovery/v2.0/keys`,
        issuer: `${tenantBase}/v2.0`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        token_endpoint_auth_methods_supported: [
          'client_secret_post',
          'private_key_jwt',
          'client_secret_basic',
        ],
        tenant_region_scope: null,
        cloud_instance_name: 'fake.example',
      });
      return;
    }
    if (request.method === 'POST' && recorded.path === tokenPath) {
      const fields = recorded.fields;
      const client = options.clients.find((candidate) => candidate.clientId === fields.client_id);
      if (fields.grant_type !== 'client_credentials')
        return entraError(response, 400, 'unsupported_grant_type', 70003);
      if (!client) return entraError(response, 400, 'unauthorized_client', 700016);
      if (fields.scope !== scope) return entraError(response, 400, 'invalid_scope', 70011);
      if (!authenticated(client, fields, `${base}${tokenPath}`))
        return entraError(response, 401, 'invalid_client', 7000215);
      const lifetime = options.tokenLifetimeS ?? 3599;
      const now = Math.floor(Date.now() / 1000);
      const token = fakeJwt({
        aud: 'https://containerregistry.azure.net',
        iss: `${tenantBase}/v2.0`,
        tid: options.tenantId,
        appid: client.clientId,
        oid: randomUUID(),
        iat: now,
        exp: now + lifetime,
      });
      issued.add(token);
      sendJson(response, 200, {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: token,
      });
      return;
    }
    sendJson(response, 404, { error: 'not_found' });
  }

  const port = await listen(server);
  base = `https://127.0.0.1:${port}`;
  return { authorityHost: base, script, issued, tokenPath, stop: () => close(server, script) };
}

function authenticated(
  client: FakeEntraClient,
  fields: Readonly<Record<string, string>>,
  audience: string,
): boolean {
  if (client.secret !== undefined) return fields.client_secret === client.secret;
  if (fields.client_assertion_type !== JWT_BEARER || !fields.client_assertion) return false;
  if (client.federatedToken !== undefined) return fields.client_assertion === client.federatedToken;
  if (client.certificatePem !== undefined)
    return verifyAssertion(fields.client_assertion, client.certificatePem, audience);
  return false;
}

/** Checks an MSAL client assertion: RS256 or PS256 over the certificate's key, aimed at this endpoint. */
function verifyAssertion(assertion: string, certificatePem: string, audience: string): boolean {
  const [header, payload, signature] = assertion.split('.');
  if (!header || !payload || !signature) return false;
  const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { aud?: string };
  if (claims.aud !== audience) return false;
  const key = createPublicKey(
    new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const verifier = createVerify('sha256').update(`${header}.${payload}`);
  if (alg === 'RS256') return verifier.verify(key, Buffer.from(signature, 'base64url'));
  if (alg === 'PS256') {
    return verifier.verify(
      { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 },
      Buffer.from(signature, 'base64url'),
    );
  }
  return false;
}

function entraError(response: ServerResponse, status: number, error: string, aadsts: number): void {
  sendJson(response, status, {
    error,
    error_description: `AADSTS${aadsts}: fake Entra ID refused the request. Trace ID: ${randomUUID()}`,
    error_codes: [aadsts],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
}

export interface FakeManagedIdentity {
  /** `http://127.0.0.1:PORT/msi/token`: the App Service style IDENTITY_ENDPOINT. */
  readonly endpoint: string;
  /** The IDENTITY_HEADER secret callers must send. */
  readonly header: string;
  readonly script: Script;
  readonly issued: Set<string>;
  stop(): Promise<void>;
}

/**
 * A loopback managed identity endpoint in the App Service style (IDENTITY_ENDPOINT + IDENTITY_HEADER),
 * the only managed identity source @azure/identity can be pointed at without 169.254.169.254.
 */
export async function startFakeManagedIdentity(options: {
  readonly tenantId: string;
  /** Client ids of user-assigned identities; the system-assigned one always exists. */
  readonly userAssigned?: readonly string[];
}): Promise<FakeManagedIdentity> {
  const script = new ScriptClass();
  const issued = new Set<string>();
  const header = `fake-identity-header-${randomUUID()}`;
  const server = createHttpServer((request, response) => {
    void (async () => {
      const recorded = await script.intercept(request, response);
      if (!recorded) return;
      if (recorded.path !== '/msi/token') return sendJson(response, 404, { error: 'not_found' });
      if (recorded.headers['x-identity-header'] !== header)
        return sendJson(response, 401, { error: 'bad header' });
      const clientId = recorded.fields.client_id;
      if (clientId !== undefined && !(options.userAssigned ?? []).includes(clientId)) {
        return sendJson(response, 400, {
          statusCode: 400,
          message: 'No User Assigned or Delegated Managed Identity found',
        });
      }
      const now = Math.floor(Date.now() / 1000);
      const token = fakeJwt({
        aud: recorded.fields.resource,
        tid: options.tenantId,
        appid: clientId ?? 'system',
        iat: now,
        exp: now + 3600,
      });
      issued.add(token);
      sendJson(response, 200, {
        access_token: token,
        expires_on: String(now + 3600),
        resource: recorded.fields.resource,
        token_type: 'Bearer',
        client_id: clientId ?? 'system-assigned',
      });
    })();
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}/msi/token`,
    header,
    script,
    issued,
    stop: () => close(server, script),
  };
}
