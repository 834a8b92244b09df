import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import { ecrHarness } from '../../test/fakes/aws/ecr-harness.ts';
import { type FakeAws, type Fault, startFakeAws } from '../../test/fakes/aws/fake-aws.ts';
import { regcredFailure } from '../../test/fakes/regcred-failure.ts';

const ACCOUNT = '111122223333';
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const KEY = {
  accessKeyId: 'AKIAFAKEPROVIDER0042',
  secretAccessKey: 'provider-secret-key-000000000000000042',
};
const ROLE = 'arn:aws:iam::444455556666:role/ecr-pull';

let fake: FakeAws;

beforeAll(async () => {
  fake = await startFakeAws();
  fake.addKey(KEY);
  fake.allowRole(ROLE);
});

afterAll(async () => {
  await fake.close();
});

afterEach(() => {
  fake.reset();
});

const keysEnv = () => ({
  AWS_ACCESS_KEY_ID: KEY.accessKeyId,
  AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
  AWS_ENDPOINT_URL_ECR: fake.url,
  AWS_ENDPOINT_URL_ECR_PUBLIC: fake.url,
  AWS_ENDPOINT_URL_STS: fake.url,
});

const failure = regcredFailure;

interface RetryCase {
  name: string;
  service: 'ecr' | 'sts';
  faults: Fault[];
  config?: Record<string, unknown>;
  /** Error code expected, or null for success. */
  code: string | null;
  ecrCalls: number;
  retries: number;
  message?: string;
}

const throttle: Fault = { kind: 'throttle' };
const serverError: Fault = { kind: 'server-error' };

const retryCases: RetryCase[] = [
  {
    name: 'ThrottlingException then success',
    service: 'ecr',
    faults: [throttle],
    code: null,
    ecrCalls: 2,
    retries: 1,
  },
  {
    name: '429, 503, then success',
    service: 'ecr',
    faults: [{ kind: 'too-many-requests' }, { kind: 'server-error', status: 503 }],
    code: null,
    ecrCalls: 3,
    retries: 2,
  },
  {
    name: 'persistent 500 → ERR_CREDENTIAL_FETCH after 4 attempts',
    service: 'ecr',
    faults: [serverError, serverError, serverError, serverError],
    code: ErrorCode.CredentialFetch,
    ecrCalls: 4,
    retries: 3,
    message: 'failed after 4 attempts: ServerException (HTTP 500',
  },
  {
    name: 'throttled on every attempt → ERR_CREDENTIAL_THROTTLED',
    service: 'ecr',
    faults: [throttle, throttle, throttle, throttle],
    code: ErrorCode.CredentialThrottled,
    ecrCalls: 4,
    retries: 3,
    message: 'kept throttling GetAuthorizationToken for environment access key …0042 after 4 attempts',
  },
  {
    name: 'STS throttled during AssumeRole, then success',
    service: 'sts',
    faults: [throttle],
    config: { roleArn: ROLE },
    code: null,
    ecrCalls: 1,
    retries: 1,
  },
];

describe('ecr retries (bounded, full-jitter backoff through the injected clock)', () => {
  it.each(retryCases)('$name', async (testCase) => {
    fake.fail(testCase.service, ...testCase.faults);
    const harness = ecrHarness({ env: keysEnv(), ...(testCase.config ? { config: testCase.config } : {}) });
    try {
      const result = harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) });
      if (testCase.code === null) {
        await expect(result).resolves.toMatchObject({ username: 'AWS' });
      } else {
        const error = await failure(result);
        expect(error.code).toBe(testCase.code);
        expect(error.message).toContain(HOST);
        expect(error.message).toContain(testCase.message ?? '');
        expect(error.details.attempts).toBe(testCase.ecrCalls);
      }
      expect(fake.callsTo('ecr')).toHaveLength(testCase.ecrCalls);
      expect(harness.clock.sleeps).toHaveLength(testCase.retries);
      harness.clock.sleeps.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThan(Math.min(1_000, 100 * 2 ** i));
      });
    } finally {
      await harness.close();
    }
  });
});

describe('ecr token expiry from the wire (through the real SDK)', () => {
  const now = Date.now();
  const at = Math.floor(now / 1000) + 43_200;
  it.each([
    ['epoch seconds with a fraction', () => at + 0.5, new Date(at * 1000 + 500)],
    ['whole epoch seconds', () => at, new Date(at * 1000)],
  ])('%s', async (_name, wire, expected) => {
    fake.expiresAt = wire;
    const harness = ecrHarness({ env: keysEnv() });
    try {
      const credential = await harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) });
      expect(credential.expiresAt?.toISOString()).toBe(expected.toISOString());
    } finally {
      await harness.close();
    }
  });

  // The SDK's JSON 1.1 deserializer only reads epoch numbers; an ISO string (which ECR never sends)
  // fails inside the SDK. token.test.ts covers ISO strings handed to the decoder directly.
  it('an ISO 8601 string on the wire is refused by the SDK → ERR_CREDENTIAL_INVALID, not retried', async () => {
    fake.expiresAt = () => new Date(at * 1000).toISOString();
    const harness = ecrHarness({ env: keysEnv() });
    try {
      const error = await failure(
        harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) }),
      );
      expect(error.code).toBe(ErrorCode.CredentialInvalid);
      expect(error.message).toContain('could not be read');
      expect(fake.callsTo('ecr')).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });
});

describe('ecr coalescing', () => {
  it('20 concurrent requests over every host form of one registry make exactly one ECR call', async () => {
    fake.fail('ecr', { kind: 'delay', ms: 50 });
    const harness = ecrHarness({ env: keysEnv() });
    try {
      const forms = [
        HOST,
        `${ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com`,
        `${ACCOUNT}.dkr-ecr.us-east-1.on.aws`,
      ];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          harness.provider.getCredential(forms[i % forms.length] ?? HOST, {
            signal: AbortSignal.timeout(20_000),
          }),
        ),
      );
      expect(fake.callsTo('ecr')).toHaveLength(1);
      expect(new Set(results.map((c) => c.password)).size).toBe(1);
      results.forEach((credential, i) => {
        expect(credential.hosts).toContain(forms[i % forms.length]);
      });
    } finally {
      await harness.close();
    }
  });

  it('20 concurrent requests with an assumed role make one STS and one ECR call', async () => {
    const harness = ecrHarness({ env: keysEnv(), config: { roleArn: ROLE } });
    try {
      await Promise.all(
        Array.from({ length: 20 }, () =>
          harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) }),
        ),
      );
      expect(fake.callsTo('sts', 'AssumeRole')).toHaveLength(1);
      expect(fake.callsTo('ecr')).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it('one caller giving up does not cancel the shared fetch for the others', async () => {
    fake.fail('ecr', { kind: 'delay', ms: 300 });
    const harness = ecrHarness({ env: keysEnv() });
    try {
      const impatient = new AbortController();
      const first = harness.provider.getCredential(HOST, { signal: impatient.signal });
      const second = harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) });
      impatient.abort();
      expect((await failure(first)).code).toBe(ErrorCode.Aborted);
      await expect(second).resolves.toMatchObject({ username: 'AWS' });
      expect(fake.callsTo('ecr')).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it('a later request after a finished fetch calls ECR again (caching is the core cache’s job)', async () => {
    const harness = ecrHarness({ env: keysEnv() });
    try {
      await harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) });
      await harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) });
      expect(fake.callsTo('ecr')).toHaveLength(2);
    } finally {
      await harness.close();
    }
  });
});

describe('ecr timeouts and cancellation', () => {
  it.each([
    ['the caller’s timeout signal fires → ERR_TIMEOUT', () => AbortSignal.timeout(100), ErrorCode.Timeout],
    [
      'the caller aborts → ERR_ABORTED',
      () => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        return controller.signal;
      },
      ErrorCode.Aborted,
    ],
  ])('%s', async (_name, signal, code) => {
    fake.fail('ecr', { kind: 'delay', ms: 5_000 });
    const harness = ecrHarness({ env: keysEnv() });
    try {
      const error = await failure(harness.provider.getCredential(HOST, { signal: signal() }));
      expect(error.code).toBe(code);
      expect(error.message).toContain(HOST);
      expect(harness.clock.sleeps).toEqual([]);
    } finally {
      await harness.close();
    }
  });

  it('the per-call SDK timeout is retried, then reported as ERR_TIMEOUT', async () => {
    fake.fail('ecr', { kind: 'delay', ms: 5_000 }, { kind: 'delay', ms: 5_000 });
    const harness = ecrHarness({
      env: keysEnv(),
      factory: { requestTimeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } },
    });
    try {
      const error = await failure(
        harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) }),
      );
      expect(error.code).toBe(ErrorCode.Timeout);
      expect(error.message).toContain('timed out after 2 attempts');
      expect(harness.clock.sleeps).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it('an already aborted signal makes no call', async () => {
    const harness = ecrHarness({ env: keysEnv() });
    try {
      const error = await failure(harness.provider.getCredential(HOST, { signal: AbortSignal.abort() }));
      expect(error.code).toBe(ErrorCode.Aborted);
      expect(fake.calls).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});

describe('ecr secrets', () => {
  it('no password, secret key or session token reaches a log line or an error, even unscrubbed', async () => {
    const envSecret = KEY.secretAccessKey;
    const harness = ecrHarness({ env: keysEnv(), config: { roleArn: ROLE }, scrub: false });
    const bad = ecrHarness({
      env: { ...keysEnv(), AWS_SECRET_ACCESS_KEY: 'bad-secret-0000000000000000000000000042' },
      scrub: false,
    });
    try {
      fake.fail('ecr', throttle, serverError);
      const credential = await harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) });
      fake.fail('ecr', serverError, serverError, serverError, serverError);
      const fetchError = await failure(
        harness.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) }),
      );
      const authError = await failure(
        bad.provider.getCredential(HOST, { signal: AbortSignal.timeout(20_000) }),
      );

      const secrets = [...fake.issuedSecrets(), envSecret, 'bad-secret-0000000000000000000000000042'];
      expect(secrets).toContain(credential.password);
      harness.logs.assertNoSecrets(secrets);
      bad.logs.assertNoSecrets(secrets);
      expect(harness.logs.lines().length).toBeGreaterThan(2);
      for (const error of [fetchError, authError]) {
        const visible = `${error.message} ${JSON.stringify(error)} ${String(error.cause)} ${error.stack}`;
        for (const secret of secrets) expect(visible).not.toContain(secret);
      }
      // Registered for scrubbing everywhere else: the password, the token, and the AWS keys in use.
      expect(harness.registered).toContain(credential.password);
      expect(harness.registered).toContain(envSecret);
      expect(harness.registered.some((s) => fake.issuedSecrets().includes(s) && s.startsWith('FwoG'))).toBe(
        true,
      );
    } finally {
      await harness.close();
      await bad.close();
    }
  });
});
