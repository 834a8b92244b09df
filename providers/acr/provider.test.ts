import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode as Code, ErrorCode, isRegcredError } from '../../src/core/errors.ts';
import {
  type AzureWorld,
  drive,
  SECRET_CLIENT,
  startAzureWorld,
  TENANT_ID,
  WORKLOAD_CLIENT,
} from '../../test/fakes/azure/azure-world.ts';
import { EXCHANGE_PATH } from '../../test/fakes/azure/fake-acr.ts';
import type { ScriptedAnswer } from '../../test/fakes/azure/scripted-server.ts';
import acr, { ACR_REFRESH_TOKEN_USERNAME } from './index.ts';
import { FALLBACK_LIFETIME_MS, jwtPayload } from './jwt-expiry.ts';

const CERT_CLIENT_ID = '33333333-3333-3333-3333-333333333333';
let world: AzureWorld;
let certificateFile: string;

beforeAll(async () => {
  // An RSA client certificate (MSAL signs assertions with RSA) for the certificate identity.
  const dir = mkdtempSync(join(tmpdir(), 'regcred-acr-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=regcred-test',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const certificatePem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    world = await startAzureWorld([{ clientId: CERT_CLIENT_ID, certificatePem }]);
    certificateFile = join(world.dir, 'client.pem');
    writeFileSync(certificateFile, `${keyPem}${certificatePem}`, { mode: 0o600 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(async () => {
  await world?.stop();
});
afterEach(() => {
  world.acr.script.release();
  world.entra.script.release();
  world.acr.setChallenge(undefined);
  world.acr.setRefreshTokenLifetime(3 * 3600);
});

type Raw = Record<string, unknown>;

function provider(raw: Raw, env: Record<string, string | undefined> = {}) {
  const validation = acr.validateConfig({
    authorityHost: world.entra.authorityHost,
    disableInstanceDiscovery: true,
    tenantId: TENANT_ID,
    retry: { attempts: 4, baseDelay: '10ms', maxDelay: '50ms' },
    requestTimeout: '10m',
    ...raw,
  });
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  const { context, logs } = world.context(env);
  return { provider: acr.create(validation.value, context), logs };
}

const secretIdentity = {
  type: 'client-secret',
  clientId: SECRET_CLIENT.clientId,
  clientSecretEnv: 'ACR_SECRET',
};
const secretEnv = { ACR_SECRET: SECRET_CLIENT.secret };

function get(p: ReturnType<typeof provider>['provider'], signal = new AbortController().signal) {
  return drive(world.clock, p.getCredential(world.acr.host, { signal }));
}

async function failure(promise: Promise<unknown>): Promise<{ code: Code; message: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (!isRegcredError(error)) throw error;
    return { code: error.code, message: error.message, error };
  }
  throw new Error('expected a failure');
}

const counts = () => ({
  token: world.entra.script.count(world.entra.tokenPath),
  exchange: world.acr.script.count(EXCHANGE_PATH),
  challenge: world.acr.script.count('/v2/'),
});
const delta = (before: ReturnType<typeof counts>) => {
  const now = counts();
  return {
    token: now.token - before.token,
    exchange: now.exchange - before.exchange,
    challenge: now.challenge - before.challenge,
  };
};

describe('identities (real @azure/identity against the fake Entra ID)', () => {
  it('client secret: OpenID discovery, client_credentials with the secret, exchange with tenant', async () => {
    const before = counts();
    const openidBefore = world.entra.script.count(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    const { provider: p, logs } = provider({ identity: secretIdentity }, secretEnv);
    const credential = await get(p);
    expect(credential.username).toBe(ACR_REFRESH_TOKEN_USERNAME);
    expect(credential.password).toBe(world.acr.issued.at(-1));
    expect(credential.hosts).toEqual([world.acr.host]);
    expect(credential.source).toContain(SECRET_CLIENT.clientId);
    expect(delta(before)).toEqual({ token: 1, exchange: 1, challenge: 1 });
    expect(world.entra.script.count(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`)).toBeGreaterThan(
      openidBefore,
    );
    const tokenCall = world.entra.script.requests.filter((r) => r.path === world.entra.tokenPath).at(-1);
    expect(tokenCall?.fields).toMatchObject({
      grant_type: 'client_credentials',
      client_id: SECRET_CLIENT.clientId,
      client_secret: SECRET_CLIENT.secret,
      scope: 'https://containerregistry.azure.net/.default',
    });
    const exchange = world.acr.script.requests.filter((r) => r.path === EXCHANGE_PATH).at(-1);
    expect(exchange?.fields).toMatchObject({
      grant_type: 'access_token',
      service: world.acr.host,
      tenant: TENANT_ID,
    });
    expect(world.entra.issued.has(exchange?.fields.access_token ?? '')).toBe(true);
    logs.assertNoSecrets([SECRET_CLIENT.secret, credential.password, exchange?.fields.access_token ?? '']);
  });

  it('client secret from a file, relative to the config folder', async () => {
    writeFileSync(join(world.dir, 'secret.txt'), `${SECRET_CLIENT.secret}\n`);
    const { provider: p } = provider({
      identity: { type: 'client-secret', clientId: SECRET_CLIENT.clientId, clientSecretFile: 'secret.txt' },
    });
    expect((await get(p)).password).toBe(world.acr.issued.at(-1));
  });

  it('workload identity: the federated token file becomes the client assertion', async () => {
    const tokenFile = join(world.dir, 'azure-identity-token');
    writeFileSync(tokenFile, WORKLOAD_CLIENT.federatedToken);
    const { provider: p, logs } = provider(
      { identity: { type: 'workload' } },
      { AZURE_CLIENT_ID: WORKLOAD_CLIENT.clientId, AZURE_FEDERATED_TOKEN_FILE: tokenFile },
    );
    const credential = await get(p);
    expect(credential.source).toBe(`acr:workload identity (client id ${WORKLOAD_CLIENT.clientId})`);
    const tokenCall = world.entra.script.requests.filter((r) => r.path === world.entra.tokenPath).at(-1);
    expect(tokenCall?.fields).toMatchObject({
      client_id: WORKLOAD_CLIENT.clientId,
      client_assertion: WORKLOAD_CLIENT.federatedToken,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    });
    logs.assertNoSecrets([WORKLOAD_CLIENT.federatedToken, credential.password]);
  });

  it('default chain: picks workload identity from the AKS webhook variables', async () => {
    const tokenFile = join(world.dir, 'default-token');
    writeFileSync(tokenFile, WORKLOAD_CLIENT.federatedToken);
    const { provider: p } = provider(
      { tenantId: undefined },
      {
        AZURE_CLIENT_ID: WORKLOAD_CLIENT.clientId,
        AZURE_TENANT_ID: TENANT_ID,
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      },
    );
    expect((await get(p)).source).toContain('workload identity');
  });

  it('default chain: picks the service principal from AZURE_CLIENT_SECRET', async () => {
    const { provider: p } = provider(
      {},
      {
        AZURE_CLIENT_ID: SECRET_CLIENT.clientId,
        AZURE_TENANT_ID: TENANT_ID,
        AZURE_CLIENT_SECRET: SECRET_CLIENT.secret,
      },
    );
    expect((await get(p)).source).toContain('client secret');
  });

  it('client certificate: an RS256/PS256 assertion the fake verifies with the certificate', async () => {
    const { provider: p, logs } = provider({
      identity: { type: 'client-certificate', clientId: CERT_CLIENT_ID, certificateFile },
    });
    const credential = await get(p);
    expect(credential.source).toContain('client certificate');
    const pem = readFileSync(certificateFile, 'utf8');
    const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0] ?? '';
    logs.assertNoSecrets([key, credential.password]);
  });
});

describe('refresh token expiry', () => {
  it.each([
    { name: 'about 3 hours', lifetimeS: 3 * 3600 },
    { name: 'about 75 minutes', lifetimeS: 75 * 60 },
  ])('expiresAt is the JWT exp: $name', async ({ lifetimeS }) => {
    world.acr.setRefreshTokenLifetime(lifetimeS);
    const { provider: p } = provider({ identity: secretIdentity }, secretEnv);
    const credential = await get(p);
    const claims = jwtPayload(credential.password) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBe(lifetimeS);
    expect(credential.expiresAt?.getTime()).toBe(claims.exp * 1000);
  });

  it('a token without exp gets a short assumed lifetime and a warning', async () => {
    world.acr.setRefreshTokenLifetime(null);
    const { provider: p, logs } = provider({ identity: secretIdentity }, secretEnv);
    const credential = await get(p);
    const left = (credential.expiresAt?.getTime() ?? 0) - world.clock.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(FALLBACK_LIFETIME_MS);
    expect(logs.lines().some((line) => line.level === 'warn' && String(line.msg).includes('expiry'))).toBe(
      true,
    );
  });
});

describe('failures', () => {
  const unauthorized = { status: 401, body: '{"errors":[{"code":"UNAUTHORIZED","message":"nope"}]}' };
  const cases: {
    name: string;
    script?: { path: 'exchange' | 'token' | 'challenge'; answers: ScriptedAnswer[] };
    raw?: Raw;
    env?: Record<string, string>;
    abortAfterStart?: boolean;
    code: Code;
    message: RegExp;
    calls?: Partial<ReturnType<typeof counts>>;
  }[] = [
    {
      name: 'exchange 401 → auth error naming registry and identity, not retried',
      script: { path: 'exchange', answers: [unauthorized] },
      code: ErrorCode.CredentialAuth,
      message: new RegExp(
        `rejected client secret \\(client id ${SECRET_CLIENT.clientId}\\).*UNAUTHORIZED.*AcrPull`,
      ),
      calls: { exchange: 1 },
    },
    {
      name: 'exchange 403 → auth error',
      script: { path: 'exchange', answers: [{ status: 403, body: '{"errors":[{"code":"DENIED"}]}' }] },
      code: ErrorCode.CredentialAuth,
      message: /HTTP 403 DENIED/,
      calls: { exchange: 1 },
    },
    {
      name: 'Entra 401 invalid_client (wrong secret) → auth error naming the client id, not retried',
      env: { ACR_SECRET: 'a-wrong-secret-value' },
      code: ErrorCode.CredentialAuth,
      message: new RegExp(`invalid_client AADSTS7000215.*client id ${SECRET_CLIENT.clientId}`),
      calls: { token: 1, exchange: 0 },
    },
    {
      name: 'persistent 503 from the exchange → fetch error after every attempt',
      script: { path: 'exchange', answers: Array.from({ length: 4 }, () => ({ status: 503 })) },
      code: ErrorCode.CredentialFetch,
      message: /ACR token exchange for .*HTTP 503/,
      calls: { exchange: 4 },
    },
    {
      name: 'persistent 429 from the exchange → throttled error',
      script: {
        path: 'exchange',
        answers: Array.from({ length: 4 }, () => ({ status: 429, headers: { 'retry-after': '0' } })),
      },
      code: ErrorCode.CredentialThrottled,
      message: /throttled/,
      calls: { exchange: 4 },
    },
    {
      name: 'oversize exchange body → rejected',
      script: { path: 'exchange', answers: [{ oversize: 80 * 1024 }] },
      code: ErrorCode.CredentialInvalid,
      message: /larger than 65536 bytes/,
    },
    {
      name: 'exchange answer without refresh_token → invalid',
      script: { path: 'exchange', answers: [{ status: 200, body: '{"access_token":"x"}' }] },
      code: ErrorCode.CredentialInvalid,
      message: /no refresh_token/,
    },
    {
      name: 'exchange hangs past the deadline → timeout',
      raw: { requestTimeout: '2s', retry: { attempts: 1 } },
      script: { path: 'exchange', answers: [{ hang: true }] },
      code: ErrorCode.Timeout,
      message: /ACR token exchange for .* took longer than 2000 ms/,
    },
    {
      name: 'Entra hangs past the deadline → timeout',
      raw: { requestTimeout: '2s', retry: { attempts: 1 } },
      script: { path: 'token', answers: [{ hang: true }] },
      code: ErrorCode.Timeout,
      message: /took longer than 2000 ms/,
    },
    {
      name: 'caller aborts while the exchange hangs → aborted',
      script: { path: 'exchange', answers: [{ hang: true }] },
      abortAfterStart: true,
      code: ErrorCode.Aborted,
      message: /cancelled/,
    },
    {
      name: 'registry asks for Basic auth → not an ACR token endpoint',
      script: {
        path: 'challenge',
        answers: [{ status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } }],
      },
      code: ErrorCode.CredentialInvalid,
      message: /asks for basic authentication/,
      calls: { exchange: 0 },
    },
    {
      name: 'realm on another host → the Entra token is not sent',
      script: {
        path: 'challenge',
        answers: [
          {
            status: 401,
            headers: { 'www-authenticate': 'Bearer realm="https://evil.example/oauth2/token",service="x"' },
          },
        ],
      },
      code: ErrorCode.CredentialInvalid,
      message: /another host \(evil\.example\)/,
      calls: { exchange: 0 },
    },
    {
      name: 'client secret variable missing → source error naming it',
      env: {},
      code: ErrorCode.CredentialSource,
      message: /environment variable ACR_SECRET/,
      calls: { token: 0 },
    },
  ];

  it.each(cases)('$name', async (testCase) => {
    const { provider: p, logs } = provider(
      { identity: secretIdentity, ...testCase.raw },
      testCase.env ?? secretEnv,
    );
    if (testCase.script) {
      const path =
        testCase.script.path === 'exchange'
          ? EXCHANGE_PATH
          : testCase.script.path === 'token'
            ? world.entra.tokenPath
            : '/v2/';
      const target = testCase.script.path === 'token' ? world.entra.script : world.acr.script;
      target.enqueue(path, ...testCase.script.answers);
    }
    const before = counts();
    const controller = new AbortController();
    const pending = p.getCredential(world.acr.host, { signal: controller.signal });
    if (testCase.abortAfterStart) {
      for (let i = 0; i < 2000 && world.acr.script.count(EXCHANGE_PATH) === before.exchange; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      controller.abort(new Error('test abort'));
    }
    const result = await failure(drive(world.clock, pending));
    expect(result.code).toBe(testCase.code);
    expect(result.message).toMatch(testCase.message);
    expect(result.message).not.toMatch(/eyJ/);
    expect(result.message).not.toContain(SECRET_CLIENT.secret);
    if (testCase.calls) expect(delta(before)).toMatchObject(testCase.calls);
    const issued = [...world.entra.issued];
    logs.assertNoSecrets([SECRET_CLIENT.secret, 'a-wrong-secret-value', ...issued, ...world.acr.issued]);
  });
});

describe('retries and coalescing', () => {
  it('429 then success: one retry on the clock, Retry-After honoured', async () => {
    world.acr.script.enqueue(EXCHANGE_PATH, { status: 429, headers: { 'retry-after': '1' } });
    const before = counts();
    const { provider: p, logs } = provider(
      { identity: secretIdentity, retry: { maxDelay: '5s' } },
      secretEnv,
    );
    const credential = await get(p);
    expect(credential.password).toBe(world.acr.issued.at(-1));
    expect(delta(before)).toMatchObject({ token: 1, exchange: 2 });
    const retry = logs.lines().find((line) => line.msg === 'ACR token exchange failed, retrying');
    expect(retry?.delayMs).toBeGreaterThanOrEqual(1000);
    logs.assertNoSecrets([SECRET_CLIENT.secret, credential.password, ...world.entra.issued]);
  });

  it('Entra 503 then success', async () => {
    world.entra.script.enqueue(world.entra.tokenPath, {
      status: 503,
      body: '{"error":"temporarily_unavailable"}',
    });
    const before = counts();
    const { provider: p } = provider({ identity: secretIdentity }, secretEnv);
    await get(p);
    expect(delta(before)).toMatchObject({ token: 2, exchange: 1 });
  });

  it('20 concurrent requests make one Entra call and one exchange', async () => {
    const before = counts();
    const { provider: p } = provider({ identity: secretIdentity }, secretEnv);
    const signal = new AbortController().signal;
    const all = await drive(
      world.clock,
      Promise.all(Array.from({ length: 20 }, () => p.getCredential(world.acr.host, { signal }))),
    );
    expect(new Set(all.map((c) => c.password)).size).toBe(1);
    expect(delta(before)).toEqual({ token: 1, exchange: 1, challenge: 1 });
  });

  it('one caller aborting does not fail the others sharing the fetch', async () => {
    world.acr.script.enqueue('/v2/', { status: 503 });
    const { provider: p } = provider({ identity: secretIdentity }, secretEnv);
    const quitter = new AbortController();
    const first = p.getCredential(world.acr.host, { signal: quitter.signal });
    const second = p.getCredential(world.acr.host, { signal: new AbortController().signal });
    quitter.abort(new Error('gone'));
    expect((await failure(first)).code).toBe(ErrorCode.Aborted);
    expect((await drive(world.clock, second)).username).toBe(ACR_REFRESH_TOKEN_USERNAME);
  });
});

describe('discovery', () => {
  it('a registry that allows anonymous /v2/ falls back to /oauth2/exchange on its host', async () => {
    world.acr.setChallenge(null);
    const { provider: p } = provider({ identity: secretIdentity }, secretEnv);
    expect((await get(p)).password).toBe(world.acr.issued.at(-1));
  });

  it('discovery: false never asks /v2/', async () => {
    const before = counts();
    const { provider: p } = provider({ identity: secretIdentity, discovery: false }, secretEnv);
    await get(p);
    expect(delta(before)).toMatchObject({ challenge: 0, exchange: 1 });
  });

  it('the discovered target is reused by the next fetch', async () => {
    const { provider: p } = provider({ identity: secretIdentity }, secretEnv);
    await get(p);
    const before = counts();
    await get(p);
    expect(delta(before)).toMatchObject({ challenge: 0, exchange: 1 });
  });
});

describe('cacheKey', () => {
  it('is registry + identity', () => {
    const { provider: a } = provider({ identity: secretIdentity }, secretEnv);
    const { provider: b } = provider({ identity: { type: 'managed', clientId: 'abc' } });
    expect(a.cacheKey?.('MyReg.azurecr.io')).toBe(a.cacheKey?.('myreg.azurecr.io'));
    expect(a.cacheKey?.('myreg.azurecr.io')).not.toBe(a.cacheKey?.('other.azurecr.io'));
    expect(a.cacheKey?.('myreg.azurecr.io')).not.toBe(b.cacheKey?.('myreg.azurecr.io'));
    expect(a.cacheKey?.('myreg.azurecr.io')).toContain(SECRET_CLIENT.clientId);
    expect(a.cacheKey?.('myreg.azurecr.io')).not.toContain(SECRET_CLIENT.secret);
  });
});

describe('sovereign clouds: the Entra authority per registry', () => {
  it.each([
    {
      name: 'public by suffix',
      raw: {},
      host: 'myregistry.azurecr.io',
      authority: 'https://login.microsoftonline.com',
    },
    {
      name: 'China by suffix',
      raw: {},
      host: 'myregistry.azurecr.cn',
      authority: 'https://login.chinacloudapi.cn',
    },
    {
      name: 'US Gov by suffix',
      raw: {},
      host: 'myregistry.azurecr.us',
      authority: 'https://login.microsoftonline.us',
    },
    {
      name: 'config cloud wins over the suffix',
      raw: { cloud: 'china' },
      host: 'myregistry.azurecr.io',
      authority: 'https://login.chinacloudapi.cn',
    },
    {
      name: 'config authorityHost wins over all',
      raw: { cloud: 'china', authorityHost: 'https://login.example/' },
      host: 'myregistry.azurecr.cn',
      authority: 'https://login.example',
    },
    {
      name: 'AZURE_AUTHORITY_HOST for a custom host',
      raw: {},
      env: { AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us/' },
      host: 'registry.internal:5000',
      authority: 'https://login.microsoftonline.us',
    },
    {
      name: 'public when nothing says otherwise',
      raw: {},
      host: 'registry.internal:5000',
      authority: 'https://login.microsoftonline.com',
    },
  ])('$name', ({ raw, env, host, authority }) => {
    const { provider: p } = provider(
      { authorityHost: undefined, identity: secretIdentity, ...raw },
      { ...secretEnv, ...env },
    );
    expect(p.cacheKey?.(host)?.endsWith(`@${authority}`)).toBe(true);
  });
});
