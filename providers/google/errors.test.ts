import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { classifyFailure } from './errors.ts';

const context = { registry: 'gcr.io', identity: 'service account a@p.iam.gserviceaccount.com' };

function httpError(status: number, data?: unknown): Error {
  return Object.assign(new Error(`Request failed with status code ${status}`), {
    status,
    response: { status, data },
  });
}

describe('classifyFailure', () => {
  const cases: { name: string; error: unknown; code: string; retryable: boolean; message?: RegExp }[] = [
    {
      name: 'HTTP 503',
      error: httpError(503),
      code: ErrorCode.CredentialFetch,
      retryable: true,
      message: /HTTP 503/,
    },
    { name: 'HTTP 429', error: httpError(429), code: ErrorCode.CredentialThrottled, retryable: true },
    {
      name: 'OAuth error body',
      error: httpError(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' }),
      code: ErrorCode.CredentialAuth,
      retryable: false,
      message: /HTTP 400\): invalid_grant: Invalid JWT Signature\./,
    },
    {
      name: 'Google JSON error body',
      error: httpError(403, JSON.stringify({ error: { status: 'PERMISSION_DENIED', message: 'denied' } })),
      code: ErrorCode.CredentialAuth,
      retryable: false,
      message: /PERMISSION_DENIED: denied/,
    },
    {
      name: 'gax GoogleError with a gRPC code only',
      error: Object.assign(new Error('The service is currently unavailable.'), {
        name: 'GoogleError',
        code: 14,
      }),
      code: ErrorCode.CredentialFetch,
      retryable: true,
      message: /HTTP 503/,
    },
    {
      name: 'gax GoogleError with an HTTP status',
      error: Object.assign(new Error('Permission denied on resource project x.'), {
        name: 'GoogleError',
        code: 7,
        httpStatusCode: 403,
      }),
      code: ErrorCode.CredentialAuth,
      retryable: false,
      message: /project x/,
    },
    {
      name: 'connection refused deep in the cause chain',
      error: new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      }),
      code: ErrorCode.CredentialFetch,
      retryable: true,
      message: /cannot reach the endpoint \(ECONNREFUSED\)/,
    },
    {
      name: 'an unknown library error, with a token in its text',
      error: new Error('weird failure with ya29.a0AfH6SMBsecretsecret and Bearer abcdefghijkl'),
      code: ErrorCode.CredentialFetch,
      retryable: true,
    },
  ];
  for (const { name, error, code, retryable, message } of cases) {
    it(name, () => {
      const classified = classifyFailure(error, context);
      expect(classified.code).toBe(code);
      expect(classified.retryable).toBe(retryable);
      expect(classified.message).toContain('gcr.io');
      expect(classified.message).toContain('a@p.iam.gserviceaccount.com');
      if (message) expect(classified.message).toMatch(message);
      expect(classified.message).not.toMatch(/ya29\.a0|abcdefghijkl/);
    });
  }

  it('passes RegcredErrors through', () => {
    const original = new RegcredError(ErrorCode.CredentialSource, 'x');
    expect(classifyFailure(original, context)).toBe(original);
  });
});
