import { describe, expect, it } from 'vitest';
import { retryAfterSeconds, statusOf, toKubeError } from './kube-error.ts';

describe('toKubeError', () => {
  const secretData = Buffer.from('{"auths":{"x":{"password":"hunter2-very-secret-value"}}}').toString(
    'base64',
  );
  const cases = [
    {
      name: 'webhook denial keeps the reason, drops echoed data',
      error: {
        code: 422,
        body: JSON.stringify({ reason: 'Invalid', message: `admission webhook denied: data ${secretData}` }),
        headers: {},
      },
      status: 422,
      retryable: false,
    },
    {
      name: 'forbidden',
      error: { code: 403, body: { reason: 'Forbidden', message: 'secrets is forbidden' }, headers: {} },
      status: 403,
      retryable: false,
    },
    {
      name: 'throttled',
      error: { code: 429, body: '', headers: { 'retry-after': '3' } },
      status: 429,
      retryable: true,
    },
    {
      name: 'network error',
      error: new Error(`connect ECONNREFUSED 127.0.0.1:1\nBody: ${secretData}`),
      status: null,
      retryable: true,
    },
  ];
  it.each(cases)('$name', ({ error, status, retryable }) => {
    const wrapped = toKubeError(error, {
      verb: 'create',
      resource: 'secrets',
      namespace: 'team-a',
      name: 'regcred',
    });
    expect(wrapped.code).toBe('ERR_KUBE_API');
    expect(wrapped.details.status).toBe(status);
    expect(wrapped.details.namespace).toBe('team-a');
    expect(wrapped.retryable).toBe(retryable);
    expect(wrapped.message).toContain('secrets team-a/regcred');
    expect(JSON.stringify(wrapped.toJSON())).not.toContain(secretData);
    expect(wrapped.cause).toBeUndefined();
    expect(statusOf(wrapped) ?? null).toBe(status);
  });

  it('reads Retry-After', () => {
    expect(retryAfterSeconds({ headers: { 'retry-after': '3' } })).toBe(3);
    expect(retryAfterSeconds({ headers: {} })).toBeUndefined();
  });
});
