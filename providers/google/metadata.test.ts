import { afterEach, describe, expect, it } from 'vitest';
import type { Credential } from '../../src/core/credential.ts';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { type FakeMetadataServer, startFakeMetadataServer } from '../../test/fakes/google/metadata-server.ts';
import {
  makeTestProvider,
  settle,
  signal,
  type TestProvider,
} from '../../test/fakes/google/test-provider.ts';

let server: FakeMetadataServer | undefined;
let wired: TestProvider | undefined;

afterEach(async () => {
  await wired?.close();
  await server?.close();
  wired = undefined;
  server = undefined;
});

async function setUp(config: Record<string, unknown> = {}, serverNow?: () => number) {
  server = await startFakeMetadataServer(serverNow === undefined ? {} : { now: serverNow });
  wired = makeTestProvider({ config, env: { GCE_METADATA_HOST: server.host } });
  return { server, wired };
}

describe('google provider: metadata server (GKE Workload Identity, GCE)', () => {
  it('returns oauth2accesstoken + the access token, expiring after expires_in', async () => {
    const { server, wired } = await setUp();
    const credential = await wired.provider.getCredential('us-docker.pkg.dev', { signal: signal() });
    expect(credential.username).toBe('oauth2accesstoken');
    expect(credential.password).toBe(server.issued[0]);
    expect(credential.hosts).toEqual(['us-docker.pkg.dev']);
    expect(credential.expiresAt?.getTime()).toBe(wired.clock.now() + 3599 * 1000);
    expect(credential.source).toContain('node-sa@demo-project.iam.gserviceaccount.com');
    const tokenRequest = server.requests.find((r) => r.path.endsWith('/token'));
    expect(tokenRequest?.headers['metadata-flavor']).toBe('Google');
    expect(tokenRequest?.query.has('scopes')).toBe(false);
  });

  it('counts down: a later call gets the remaining life of the cached server token', async () => {
    let serverNow = Date.now();
    const { server, wired } = await setUp({}, () => serverNow);
    await wired.provider.getCredential('gcr.io', { signal: signal() });
    serverNow += 600_000;
    await wired.clock.advance(600_000);
    const second = await wired.provider.getCredential('gcr.io', { signal: signal() });
    expect(second.password).toBe(server.issued[0]);
    expect(second.expiresAt?.getTime()).toBe(wired.clock.now() + 2999 * 1000);
  });

  it('asks for scopes only when the config names them', async () => {
    const { server, wired } = await setUp({
      scopes: ['https://www.googleapis.com/auth/devstorage.read_only'],
    });
    await wired.provider.getCredential('gcr.io', { signal: signal() });
    const tokenRequest = server.requests.find((r) => r.path.endsWith('/token'));
    expect(tokenRequest?.query.get('scopes')).toBe('https://www.googleapis.com/auth/devstorage.read_only');
  });

  it('uses metadataServer.host and serviceAccount from the config over the env', async () => {
    server = await startFakeMetadataServer();
    wired = makeTestProvider({
      config: {
        metadataServer: { host: `http://${server.host}`, serviceAccount: 'puller@p.iam.gserviceaccount.com' },
      },
      env: { GCE_METADATA_HOST: '127.0.0.1:1' },
    });
    await wired.provider.getCredential('gcr.io', { signal: signal() });
    expect(
      server.requests.some((r) =>
        r.path.includes('/service-accounts/puller@p.iam.gserviceaccount.com/token'),
      ),
    ).toBe(true);
  });

  it('one token serves every Google host: cacheKey is the identity, not the host', async () => {
    const { wired } = await setUp();
    expect(wired.provider.cacheKey('gcr.io')).toBe(wired.provider.cacheKey('europe-docker.pkg.dev'));
  });

  it('20 concurrent requests for different hosts make one token fetch', async () => {
    const { server, wired } = await setUp();
    const hosts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'gcr.io' : `loc${i}-docker.pkg.dev`));
    const credentials = await Promise.all(
      hosts.map((host) => wired.provider.getCredential(host, { signal: signal() })),
    );
    expect(server.calls.count('token')).toBe(1);
    expect(new Set(credentials.map((c) => c.password)).size).toBe(1);
    expect(credentials.map((c) => c.hosts[0])).toEqual(hosts);
  });

  const failures: {
    name: string;
    fault: Parameters<FakeMetadataServer['faults']['fail']>[1];
    code: string;
    message: RegExp;
  }[] = [
    {
      name: '404 (no such service account / WI not bound)',
      fault: { status: 404 },
      code: ErrorCode.CredentialAuth,
      message: /HTTP 404.*Workload Identity/,
    },
    {
      name: '403 (missing scope)',
      fault: { status: 403 },
      code: ErrorCode.CredentialAuth,
      message: /HTTP 403/,
    },
    {
      name: '500 persistently',
      fault: { status: 500 },
      code: ErrorCode.CredentialFetch,
      message: /HTTP 500.*gave up after 4 attempts/,
    },
    {
      name: '429 persistently',
      fault: { status: 429 },
      code: ErrorCode.CredentialThrottled,
      message: /HTTP 429/,
    },
    {
      name: 'connection reset',
      fault: { reset: true },
      code: ErrorCode.CredentialFetch,
      message: /cannot reach/,
    },
  ];
  for (const { name, fault, code, message } of failures) {
    it(`fails clearly on ${name}, naming the registry and the metadata server`, async () => {
      const { server, wired } = await setUp();
      server.faults.fail('token', fault, 10);
      const error = await settle(wired.provider.getCredential('gcr.io', { signal: signal() }), wired.clock);
      expect(error).toBeInstanceOf(RegcredError);
      expect((error as RegcredError).code).toBe(code);
      expect((error as RegcredError).message).toMatch(message);
      expect((error as RegcredError).message).toContain('gcr.io');
      expect((error as RegcredError).message).toContain(`metadata server at http://${server.host}`);
    });
  }

  it('retries 5xx and 429 with backoff on the injected clock, then succeeds', async () => {
    const { server, wired } = await setUp();
    server.faults.fail('token', { status: 503 });
    server.faults.fail('token', { status: 429 });
    const credential = (await settle(
      wired.provider.getCredential('gcr.io', { signal: signal() }),
      wired.clock,
    )) as Credential;
    expect(credential.password).toBe(server.issued[0]);
    expect(server.calls.count('token')).toBe(3);
    const warnings = wired.logs
      .lines()
      .filter((line) => line.msg === 'Google token request failed, retrying');
    expect(warnings).toHaveLength(2);
  });

  it('does not retry a 403', async () => {
    const { server, wired } = await setUp();
    server.faults.fail('token', { status: 403 }, 5);
    await expect(wired.provider.getCredential('gcr.io', { signal: signal() })).rejects.toMatchObject({
      code: ErrorCode.CredentialAuth,
    });
    expect(server.calls.count('token')).toBe(1);
  });

  it('rejects an answer without Metadata-Flavor: Google', async () => {
    server = await startFakeMetadataServer({ omitFlavor: true });
    wired = makeTestProvider({ env: { GCE_METADATA_HOST: server.host } });
    await expect(wired.provider.getCredential('gcr.io', { signal: signal() })).rejects.toMatchObject({
      code: ErrorCode.CredentialInvalid,
      message: expect.stringContaining('Metadata-Flavor'),
    });
  });

  it('times out a hanging metadata server per attempt, then gives up with ERR_TIMEOUT', async () => {
    const { server, wired } = await setUp({ maxAttempts: 2, requestTimeoutSeconds: 5 });
    server.faults.fail('token', { hang: true }, 2);
    const error = (await settle(
      wired.provider.getCredential('gcr.io', { signal: signal() }),
      wired.clock,
    )) as RegcredError;
    expect(error.code).toBe(ErrorCode.Timeout);
    expect(error.message).toMatch(/no answer within 5000 ms.*gave up after 2 attempts/);
  });

  it('honours the abort signal while the server hangs', async () => {
    const { server, wired } = await setUp();
    server.faults.fail('token', { hang: true });
    const controller = new AbortController();
    const pending = wired.provider.getCredential('gcr.io', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.Aborted });
  });

  it('one aborted waiter does not cancel the fetch others wait for', async () => {
    const { server, wired } = await setUp();
    const controller = new AbortController();
    const first = wired.provider.getCredential('gcr.io', { signal: controller.signal });
    const second = wired.provider.getCredential('us-docker.pkg.dev', { signal: signal() });
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: ErrorCode.Aborted });
    const credential = await second;
    expect(credential.password).toBe(server.issued[0]);
  });

  it('fails with ERR_CREDENTIAL_FETCH when nothing listens at GCE_METADATA_HOST', async () => {
    const closed = await startFakeMetadataServer();
    const host = closed.host;
    await closed.close();
    wired = makeTestProvider({ env: { GCE_METADATA_HOST: host }, config: { maxAttempts: 2 } });
    const error = (await settle(
      wired.provider.getCredential('gcr.io', { signal: signal() }),
      wired.clock,
    )) as RegcredError;
    expect(error.code).toBe(ErrorCode.CredentialFetch);
    expect(error.message).toMatch(/metadata server at .*ECONNREFUSED/);
  });

  it('never writes the token to a log line or an error', async () => {
    const { server, wired } = await setUp();
    server.faults.fail('token', { status: 503 });
    const credential = (await settle(
      wired.provider.getCredential('gcr.io', { signal: signal() }),
      wired.clock,
    )) as Credential;
    wired.logs.logger.info({ credential, note: `token is ${credential.password}` }, 'debugging a credential');
    wired.logs.assertNoSecrets(server.issued);
    expect(wired.logs.text()).toContain('fetched Google access token');
  });
});
