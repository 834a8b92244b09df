import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/fakes/log-capture.ts';
import { ErrorCode, RegcredError } from './errors.ts';
import { REDACTED } from './redaction.ts';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZWdjcmVkIn0.c2lnbmF0dXJlLWJ5dGVz';
const KNOWN = 'registered-secret-value-91';

describe('logger redaction', () => {
  const cases: {
    name: string;
    log: (l: ReturnType<typeof captureLogs>['logger']) => void;
    secret: string;
  }[] = [
    {
      name: 'a password field',
      log: (l) => l.info({ password: 'hunter2hunter2' }, 'x'),
      secret: 'hunter2hunter2',
    },
    {
      name: 'a nested credential',
      log: (l) => l.info({ credential: { username: 'u', password: 'p4ssw0rd-nested' } }, 'x'),
      secret: 'p4ssw0rd-nested',
    },
    {
      name: 'an Authorization header',
      log: (l) => l.info({ headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' } }, 'req'),
      secret: 'dXNlcjpwYXNzd29yZA==',
    },
    {
      name: 'a token field',
      log: (l) => l.debug({ token: 'opaque-token-123456' }, 'x'),
      secret: 'opaque-token-123456',
    },
    {
      name: 'a registered secret inside the message',
      log: (l) => l.warn(`failed with ${KNOWN} in it`),
      secret: KNOWN,
    },
    {
      name: 'a registered secret in an unrelated field',
      log: (l) => l.info({ detail: `x=${KNOWN}` }, 'x'),
      secret: KNOWN,
    },
    { name: 'a JWT anywhere', log: (l) => l.info({ note: `got ${JWT}` }, `and ${JWT}`), secret: JWT },
    {
      name: 'a Google access token',
      log: (l) => l.info('token ya29.a0AfH6SMBx-secret_part'),
      secret: 'ya29.a0AfH6SMBx-secret_part',
    },
    {
      name: 'a secret in an error message and its cause',
      log: (l) =>
        l.error(
          {
            err: new RegcredError(ErrorCode.CredentialFetch, `upstream said ${KNOWN}`, {
              cause: new Error(`inner ${JWT}`),
            }),
          },
          'fetch failed',
        ),
      secret: KNOWN,
    },
    {
      name: 'a .dockerconfigjson value in a Secret object',
      log: (l) => l.info({ secret: { data: { '.dockerconfigjson': 'eyJhdXRocyI6e319-base64-data' } } }, 'x'),
      secret: 'eyJhdXRocyI6e319-base64-data',
    },
  ];

  for (const c of cases) {
    it(`keeps ${c.name} out of the log`, () => {
      const capture = captureLogs();
      capture.scrubber.add(KNOWN);
      c.log(capture.logger);
      expect(capture.text()).not.toContain(c.secret);
      expect(capture.text()).toContain(REDACTED);
      expect(() => capture.assertNoSecrets([c.secret])).not.toThrow();
    });
  }

  it('keeps what is not secret: registry names, codes, digests', () => {
    const capture = captureLogs();
    const digest = `sha256:${'a'.repeat(64)}`;
    capture.logger.info(
      { registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com', code: ErrorCode.CredentialAuth, digest },
      'refreshed',
    );
    const [line] = capture.lines();
    expect(line).toMatchObject({
      registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      code: 'ERR_CREDENTIAL_AUTH',
      digest,
      msg: 'refreshed',
    });
  });

  it('assertNoSecrets fails when a secret does reach the log', () => {
    const capture = captureLogs();
    capture.logger.info({ harmless: 'plain-value-that-is-secret' }, 'x');
    expect(() => capture.assertNoSecrets(['plain-value-that-is-secret'])).toThrow(/reached the log/);
  });
});
