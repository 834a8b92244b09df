import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isRegcredError } from '../../src/core/errors.ts';
import { ecrHarness } from '../../test/fakes/aws/ecr-harness.ts';
import { type FakeAws, startFakeAws } from '../../test/fakes/aws/fake-aws.ts';

const HOST = '111122223333.dkr.ecr.us-east-1.amazonaws.com';
const STATIC_KEY = {
  accessKeyId: 'AKIAFAKESTATIC00001',
  secretAccessKey: 'static-secret-key-0000000000000000000001',
};
const SESSION_KEY = {
  accessKeyId: 'ASIAFAKESESSION0001',
  secretAccessKey: 'session-secret-key-00000000000000000001',
  sessionToken: 'IQoJb3JpZ2luX2VjEFAKESESSIONTOKEN000000000001',
};
const WEB_IDENTITY_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl';
const IRSA_ROLE = 'arn:aws:iam::111122223333:role/regcred-irsa';
const CROSS_ACCOUNT_ROLE = 'arn:aws:iam::444455556666:role/ecr-pull';

let fake: FakeAws;
let dir: string;
let tokenFile: string;
let credentialsFile: string;

beforeAll(async () => {
  fake = await startFakeAws();
  fake.addKey(STATIC_KEY);
  fake.addKey(SESSION_KEY);
  fake.allowRole(IRSA_ROLE, { webIdentityToken: WEB_IDENTITY_TOKEN });
  fake.allowRole(CROSS_ACCOUNT_ROLE, { externalId: 'regcred-external-id' });
  dir = await mkdtemp(join(tmpdir(), 'regcred-ecr-'));
  tokenFile = join(dir, 'token');
  await writeFile(tokenFile, WEB_IDENTITY_TOKEN);
  credentialsFile = join(dir, 'credentials');
  await writeFile(
    credentialsFile,
    `[pull]\naws_access_key_id = ${STATIC_KEY.accessKeyId}\naws_secret_access_key = ${STATIC_KEY.secretAccessKey}\n`,
  );
});

afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  fake.reset();
});

const endpoints = () => ({ AWS_ENDPOINT_URL_ECR: fake.url, AWS_ENDPOINT_URL_STS: fake.url });

interface IdentityCase {
  name: string;
  env: () => Record<string, string>;
  config?: Record<string, unknown>;
  /** Which key signed the ECR call: a fixed one, or a temporary one STS (or the agent) issued. */
  signedBy: string | 'temporary';
  sessionToken: boolean;
  stsCalls: { action: string; params?: Record<string, string> }[];
  podIdentityCalls?: number;
  /** Words the credential's `source` names. */
  identity: string;
}

const identityCases: IdentityCase[] = [
  {
    name: 'static environment keys',
    env: () => ({
      ...endpoints(),
      AWS_ACCESS_KEY_ID: STATIC_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: STATIC_KEY.secretAccessKey,
    }),
    signedBy: STATIC_KEY.accessKeyId,
    sessionToken: false,
    stsCalls: [],
    identity: 'environment access key …0001',
  },
  {
    name: 'temporary environment keys with a session token',
    env: () => ({
      ...endpoints(),
      AWS_ACCESS_KEY_ID: SESSION_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SESSION_KEY.secretAccessKey,
      AWS_SESSION_TOKEN: SESSION_KEY.sessionToken,
    }),
    signedBy: SESSION_KEY.accessKeyId,
    sessionToken: true,
    stsCalls: [],
    identity: 'environment access key …0001',
  },
  {
    name: 'IRSA web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE)',
    env: () => ({ ...endpoints(), AWS_ROLE_ARN: IRSA_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile }),
    signedBy: 'temporary',
    sessionToken: true,
    stsCalls: [{ action: 'AssumeRoleWithWebIdentity', params: { RoleArn: IRSA_ROLE } }],
    identity: `web identity role ${IRSA_ROLE}`,
  },
  {
    name: 'EKS Pod Identity agent (container credentials)',
    env: () => ({
      ...endpoints(),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${fake.url}/pod-identity`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: fake.podIdentityToken,
    }),
    signedBy: 'temporary',
    sessionToken: true,
    stsCalls: [],
    podIdentityCalls: 1,
    identity: 'container credentials (EKS Pod Identity / ECS)',
  },
  {
    name: 'shared credentials profile from config',
    env: () => ({
      ...endpoints(),
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: join(dir, 'none'),
    }),
    config: { profile: 'pull' },
    signedBy: STATIC_KEY.accessKeyId,
    sessionToken: false,
    stsCalls: [],
    identity: 'profile "pull"',
  },
  {
    name: 'cross-account roleArn with externalId over environment keys',
    env: () => ({
      ...endpoints(),
      AWS_ACCESS_KEY_ID: STATIC_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: STATIC_KEY.secretAccessKey,
    }),
    config: {
      roleArn: CROSS_ACCOUNT_ROLE,
      externalId: 'regcred-external-id',
      roleSessionName: 'regcred-test',
      durationSeconds: 900,
    },
    signedBy: 'temporary',
    sessionToken: true,
    stsCalls: [
      {
        action: 'AssumeRole',
        params: {
          RoleArn: CROSS_ACCOUNT_ROLE,
          ExternalId: 'regcred-external-id',
          RoleSessionName: 'regcred-test',
          DurationSeconds: '900',
        },
      },
    ],
    identity: `role ${CROSS_ACCOUNT_ROLE} (assumed with environment access key …0001)`,
  },
  {
    name: 'cross-account roleArn over IRSA (role chaining)',
    env: () => ({ ...endpoints(), AWS_ROLE_ARN: IRSA_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile }),
    config: { roleArn: CROSS_ACCOUNT_ROLE, externalId: 'regcred-external-id' },
    signedBy: 'temporary',
    sessionToken: true,
    stsCalls: [
      { action: 'AssumeRoleWithWebIdentity', params: { RoleArn: IRSA_ROLE } },
      { action: 'AssumeRole', params: { RoleArn: CROSS_ACCOUNT_ROLE, RoleSessionName: 'regcred' } },
    ],
    identity: `role ${CROSS_ACCOUNT_ROLE} (assumed with web identity role ${IRSA_ROLE})`,
  },
];

describe('ecr identities against fake ECR and STS (real SDK, SigV4 verified)', () => {
  it.each(identityCases)('$name', async (testCase) => {
    const harness = ecrHarness({
      env: testCase.env(),
      ...(testCase.config ? { config: testCase.config } : {}),
    });
    try {
      const credential = await harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) });
      expect(credential.username).toBe('AWS');
      expect(fake.issuedPasswords).toContain(credential.password);
      expect(credential.source).toBe(`ecr:${testCase.identity}`);

      const ecrCalls = fake.callsTo('ecr', 'GetAuthorizationToken');
      expect(ecrCalls).toHaveLength(1);
      const call = ecrCalls[0];
      expect(call?.status).toBe(200);
      expect(call?.region).toBe('us-east-1');
      if (testCase.signedBy === 'temporary') expect(call?.accessKeyId).toMatch(/^ASIA/);
      else expect(call?.accessKeyId).toBe(testCase.signedBy);
      expect(call?.sessionToken !== undefined).toBe(testCase.sessionToken);

      const stsCalls = fake.callsTo('sts');
      expect(stsCalls.map((c) => c.action)).toEqual(testCase.stsCalls.map((c) => c.action));
      testCase.stsCalls.forEach((expected, i) => {
        expect(stsCalls[i]?.status).toBe(200);
        expect(stsCalls[i]?.params).toMatchObject(expected.params ?? {});
      });
      expect(fake.callsTo('pod-identity')).toHaveLength(testCase.podIdentityCalls ?? 0);
    } finally {
      await harness.close();
    }
  });

  it('reuses the web-identity session for the next fetch instead of calling STS again', async () => {
    const harness = ecrHarness({ env: identityCases[2]!.env() });
    try {
      const signal = AbortSignal.timeout(20_000);
      await harness.provider.getCredential(HOST, { signal });
      await harness.provider.getCredential(HOST, { signal });
      expect(fake.callsTo('ecr')).toHaveLength(2);
      expect(fake.callsTo('sts')).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });
});

interface RejectionCase {
  name: string;
  env: () => Record<string, string>;
  config?: Record<string, unknown>;
  /** The identity words the error must name. */
  names: string;
  awsError: string;
  /** Secrets that must not appear in the message. */
  secrets: string[];
}

const rejectionCases: RejectionCase[] = [
  {
    name: 'unknown access key → UnrecognizedClientException',
    env: () => ({
      ...endpoints(),
      AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000009999',
      AWS_SECRET_ACCESS_KEY: 'unknown-secret-000000000000000000009999',
    }),
    names: 'environment access key …9999',
    awsError: 'UnrecognizedClientException',
    secrets: ['unknown-secret-000000000000000000009999'],
  },
  {
    name: 'wrong secret for a known key → InvalidSignatureException',
    env: () => ({
      ...endpoints(),
      AWS_ACCESS_KEY_ID: STATIC_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'wrong-secret-00000000000000000000000001',
    }),
    names: 'environment access key …0001',
    awsError: 'InvalidSignatureException',
    secrets: ['wrong-secret-00000000000000000000000001', STATIC_KEY.secretAccessKey],
  },
  {
    name: 'session key with a forged session token',
    env: () => ({
      ...endpoints(),
      AWS_ACCESS_KEY_ID: SESSION_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SESSION_KEY.secretAccessKey,
      AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjFORGEDTOKEN00000000000000',
    }),
    names: 'environment access key …0001',
    awsError: 'UnrecognizedClientException',
    secrets: ['IQoJb3JpZ2luX2VjFORGEDTOKEN00000000000000', SESSION_KEY.secretAccessKey],
  },
  {
    name: 'roleArn with the wrong externalId → STS AccessDenied',
    env: () => ({
      ...endpoints(),
      AWS_ACCESS_KEY_ID: STATIC_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: STATIC_KEY.secretAccessKey,
    }),
    config: { roleArn: CROSS_ACCOUNT_ROLE, externalId: 'not-the-external-id' },
    names: `role ${CROSS_ACCOUNT_ROLE}`,
    awsError: 'AccessDenied',
    secrets: [STATIC_KEY.secretAccessKey],
  },
  {
    name: 'IRSA with a token STS refuses → InvalidIdentityToken',
    env: () => ({
      ...endpoints(),
      AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/not-trusted',
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    }),
    names: 'web identity role arn:aws:iam::111122223333:role/not-trusted',
    awsError: 'InvalidIdentityToken',
    secrets: [WEB_IDENTITY_TOKEN],
  },
];

describe('ecr rejected identities', () => {
  it.each(rejectionCases)(
    '$name → ERR_CREDENTIAL_AUTH naming the identity, not retried',
    async (testCase) => {
      const harness = ecrHarness({
        env: testCase.env(),
        ...(testCase.config ? { config: testCase.config } : {}),
      });
      try {
        const error = await harness.provider
          .getCredential(HOST, { signal: AbortSignal.timeout(20_000) })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(isRegcredError(error, ErrorCode.CredentialAuth)).toBe(true);
        if (!isRegcredError(error)) return;
        expect(error.message).toContain(HOST);
        expect(error.message).toContain(testCase.names);
        expect(error.details.awsError).toBe(testCase.awsError);
        expect(error.retryable).toBe(false);
        expect(harness.clock.sleeps).toEqual([]);
        const visible = `${error.message} ${JSON.stringify(error)} ${String(error.cause)}`;
        for (const secret of testCase.secrets) expect(visible).not.toContain(secret);
        harness.logs.assertNoSecrets(testCase.secrets);
      } finally {
        await harness.close();
      }
    },
  );
});
