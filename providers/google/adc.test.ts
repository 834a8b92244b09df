import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Credential } from '../../src/core/credential.ts';
import { ErrorCode, type RegcredError } from '../../src/core/errors.ts';
import { type FakeGoogleApis, startFakeGoogleApis } from '../../test/fakes/google/google-apis-server.ts';
import { loopbackDispatcher } from '../../test/fakes/google/loopback-dispatcher.ts';
import { type FakeMetadataServer, startFakeMetadataServer } from '../../test/fakes/google/metadata-server.ts';
import {
  makeServiceAccountKey,
  makeTestProvider,
  settle,
  signal,
  type TestProvider,
} from '../../test/fakes/google/test-provider.ts';

const dir = mkdtempSync(join(tmpdir(), 'regcred-google-adc-'));
const key = makeServiceAccountKey('ci-puller@demo-project.iam.gserviceaccount.com');
const subjectToken =
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpyZWdjcmVkIn0.c2lnbmF0dXJl';
const target = 'registry-reader@demo-project.iam.gserviceaccount.com';
const refreshToken = '1//0gRefreshTokenForTestsOnly';
let apis: FakeGoogleApis;
let wired: TestProvider | undefined;
let metadata: FakeMetadataServer | undefined;

beforeAll(async () => {
  apis = await startFakeGoogleApis({
    serviceAccounts: new Map([['ci-puller@demo-project.iam.gserviceaccount.com', key.publicKey]]),
    subjectTokens: [subjectToken],
    refreshTokens: [refreshToken],
    impersonable: [target],
    trustToken: (token) => metadata?.issued.includes(token) ?? false,
  });
});
afterEach(async () => {
  await wired?.close();
  await metadata?.close();
  wired = undefined;
  metadata = undefined;
});
afterAll(async () => {
  await apis.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function externalAccount(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'external_account',
    audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/eks/providers/oidc',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${apis.origin}/v1/token`,
    credential_source: { file: write('subject-token', subjectToken) },
    ...extra,
  };
}

/** oauth2.googleapis.com is hard-coded for the JWT-bearer and refresh-token grants: route it to the fake. */
const oauthRoute = () => loopbackDispatcher({ 'oauth2.googleapis.com:443': apis.port });

describe('google provider: Application Default Credentials files', () => {
  it('service_account key via GOOGLE_APPLICATION_CREDENTIALS: signed JWT exchanged for a token', async () => {
    const path = write('sa.json', key.json);
    wired = makeTestProvider({ env: { GOOGLE_APPLICATION_CREDENTIALS: path }, dispatcher: oauthRoute() });
    const credential = await wired.provider.getCredential('asia-docker.pkg.dev', { signal: signal() });
    const issued = apis.issued.filter((entry) => entry.route === 'oauth2-token');
    expect(credential.username).toBe('oauth2accesstoken');
    expect(credential.password).toBe(issued.at(-1)?.token);
    expect(issued.at(-1)?.subject).toBe('ci-puller@demo-project.iam.gserviceaccount.com');
    expect(credential.expiresAt).toBeInstanceOf(Date);
    expect(credential.source).toBe('google:service account ci-puller@demo-project.iam.gserviceaccount.com');
    // regcred's cache decides when to refresh: a second request gets a new token, not the library's cached one.
    const again = await wired.provider.getCredential('asia-docker.pkg.dev', { signal: signal() });
    expect(again.password).not.toBe(credential.password);
    expect(again.password).toBe(apis.issued.at(-1)?.token);
  });

  it('credentialsFile in the config wins over GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const path = write('sa-config.json', key.json);
    wired = makeTestProvider({
      config: { credentialsFile: 'sa-config.json' },
      configDir: dir,
      env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'does-not-exist.json') },
      dispatcher: oauthRoute(),
    });
    const credential = await wired.provider.getCredential('gcr.io', { signal: signal() });
    expect(credential.source).toContain('ci-puller@');
    expect(path).toContain(dir);
  });

  it('external_account (workload identity federation): subject token exchanged at token_url (STS)', async () => {
    const before = apis.calls.count('sts-token');
    wired = makeTestProvider({
      env: { GOOGLE_APPLICATION_CREDENTIALS: write('wif.json', externalAccount()) },
    });
    const credential = await wired.provider.getCredential('us-docker.pkg.dev', { signal: signal() });
    expect(apis.calls.count('sts-token')).toBe(before + 1);
    expect(credential.password).toBe(apis.issued.at(-1)?.token);
    expect(credential.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const sts = apis.requests.filter((r) => r.path === '/v1/token').at(-1);
    expect(new URLSearchParams(sts?.body).get('scope')).toBe(
      'https://www.googleapis.com/auth/cloud-platform',
    );
  });

  it('external_account with service_account_impersonation_url: STS, then IAM generateAccessToken', async () => {
    const file = write(
      'wif-imp.json',
      externalAccount({
        service_account_impersonation_url: `${apis.origin}/v1/projects/-/serviceAccounts/${target}:generateAccessToken`,
      }),
    );
    wired = makeTestProvider({ env: { GOOGLE_APPLICATION_CREDENTIALS: file } });
    const credential = await wired.provider.getCredential('gcr.io', { signal: signal() });
    const last = apis.issued.at(-1);
    expect(last?.route).toBe('generate-access-token');
    expect(credential.password).toBe(last?.token);
    expect(credential.source).toContain(`impersonating ${target}`);
  });

  it('authorized_user (gcloud auth application-default login) via the refresh-token grant', async () => {
    const file = write('user.json', {
      type: 'authorized_user',
      client_id: '764086051850-test.apps.googleusercontent.com',
      client_secret: 'd-FL95Q19q7MQmFpd7hHD0Ty',
      refresh_token: refreshToken,
    });
    wired = makeTestProvider({ env: { GOOGLE_APPLICATION_CREDENTIALS: file }, dispatcher: oauthRoute() });
    const credential = await wired.provider.getCredential('gcr.io', { signal: signal() });
    expect(credential.password).toBe(apis.issued.at(-1)?.token);
    wired.logs.logger.info({ file: 'd-FL95Q19q7MQmFpd7hHD0Ty', rt: refreshToken }, 'leak attempt');
    wired.logs.assertNoSecrets(['d-FL95Q19q7MQmFpd7hHD0Ty', refreshToken, credential.password]);
  });

  it('20 concurrent requests make one STS exchange', async () => {
    const before = apis.calls.count('sts-token');
    wired = makeTestProvider({
      env: { GOOGLE_APPLICATION_CREDENTIALS: write('wif-burst.json', externalAccount()) },
    });
    const provider = wired.provider;
    const all = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        provider.getCredential(i % 3 === 0 ? 'gcr.io' : 'us-docker.pkg.dev', { signal: signal() }),
      ),
    );
    expect(apis.calls.count('sts-token')).toBe(before + 1);
    expect(new Set(all.map((c) => c.password)).size).toBe(1);
  });

  it('STS 503 then success is retried; no secret reaches the logs', async () => {
    apis.faults.fail('sts-token', { status: 503 });
    wired = makeTestProvider({
      env: { GOOGLE_APPLICATION_CREDENTIALS: write('wif-retry.json', externalAccount()) },
    });
    const credential = (await settle(
      wired.provider.getCredential('gcr.io', { signal: signal() }),
      wired.clock,
    )) as Credential;
    expect(credential.password).toBe(apis.issued.at(-1)?.token);
    wired.logs.logger.info({ leak: credential.password, subjectToken }, 'leak attempt');
    wired.logs.assertNoSecrets([credential.password, subjectToken]);
  });

  const failures: {
    name: string;
    file: () => unknown;
    code: string;
    message: RegExp;
    dispatcher?: boolean;
  }[] = [
    {
      name: 'a key the token endpoint does not know (bad signature)',
      file: () => makeServiceAccountKey('stranger@demo-project.iam.gserviceaccount.com').json,
      code: ErrorCode.CredentialAuth,
      message: /service account stranger@demo-project\.iam\.gserviceaccount\.com.*HTTP 400.*invalid_grant/,
      dispatcher: true,
    },
    {
      name: 'a rejected subject token',
      file: () =>
        externalAccount({ credential_source: { file: write('wrong-subject', 'eyJhbGciOiJub25lIn0.e30.x') } }),
      code: ErrorCode.CredentialAuth,
      message: /external account .*HTTP 400.*invalid_grant/,
    },
    {
      name: 'an unsupported credentials type',
      file: () => ({ type: 'gdch_service_account' }),
      code: ErrorCode.CredentialSource,
      message: /unsupported credentials type "gdch_service_account"/,
    },
    {
      name: 'an external account without token_url',
      file: () => ({ ...externalAccount(), token_url: undefined }),
      code: ErrorCode.CredentialSource,
      message: /missing "token_url"/,
    },
    {
      name: 'a missing credentials file',
      file: () => undefined,
      code: ErrorCode.CredentialSource,
      message: /credentials file .* cannot be read \(ENOENT\)/,
    },
  ];
  for (const failure of failures) {
    it(`fails clearly on ${failure.name}`, async () => {
      const content = failure.file();
      const path =
        content === undefined
          ? join(dir, 'absent.json')
          : write(`${failure.name.replace(/\W+/g, '-')}.json`, content);
      wired = makeTestProvider({
        env: { GOOGLE_APPLICATION_CREDENTIALS: path },
        ...(failure.dispatcher ? { dispatcher: oauthRoute() } : {}),
      });
      const error = (await settle(
        wired.provider.getCredential('gcr.io', { signal: signal() }),
        wired.clock,
      )) as RegcredError;
      expect(error.code).toBe(failure.code);
      expect(error.message).toMatch(failure.message);
      expect(error.message).not.toMatch(/PRIVATE KEY|ya29\.|eyJ/);
    });
  }
});

describe('google provider: impersonate (Impersonated client)', () => {
  it('metadata-server identity impersonates a service account; expiry from expireTime', async () => {
    metadata = await startFakeMetadataServer();
    wired = makeTestProvider({
      config: { impersonate: target, iamCredentialsEndpoint: apis.origin, lifetimeSeconds: 1800 },
      env: { GCE_METADATA_HOST: metadata.host },
    });
    const credential = await wired.provider.getCredential('gcr.io', { signal: signal() });
    const request = apis.requests.filter((r) => r.path.endsWith(':generateAccessToken')).at(-1);
    expect(request?.path).toBe(`/v1/projects/-/serviceAccounts/${target}:generateAccessToken`);
    expect(request?.headers.authorization).toBe(`Bearer ${metadata.issued[0]}`);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({
      lifetime: '1800s',
      scope: ['https://www.googleapis.com/auth/cloud-platform'],
    });
    expect(credential.password).toBe(apis.issued.at(-1)?.token);
    expect(Math.abs((credential.expiresAt?.getTime() ?? 0) - (Date.now() + 1800_000))).toBeLessThan(60_000);
    expect(credential.source).toContain(`${target} impersonated by metadata server`);
  });

  it('a denied impersonation fails with ERR_CREDENTIAL_AUTH naming the target, not retried', async () => {
    metadata = await startFakeMetadataServer();
    const other = 'admin@demo-project.iam.gserviceaccount.com';
    const before = apis.calls.count('generate-access-token');
    wired = makeTestProvider({
      config: { impersonate: other, iamCredentialsEndpoint: apis.origin },
      env: { GCE_METADATA_HOST: metadata.host },
    });
    const error = (await settle(
      wired.provider.getCredential('gcr.io', { signal: signal() }),
      wired.clock,
    )) as RegcredError;
    expect(error.code).toBe(ErrorCode.CredentialAuth);
    expect(error.message).toContain(other);
    expect(error.message).toMatch(/HTTP 403.*iam\.serviceAccounts\.getAccessToken/);
    expect(apis.calls.count('generate-access-token')).toBe(before + 1);
  });
});
