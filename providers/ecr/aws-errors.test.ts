import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { type AwsFailureKind, classifyAwsFailure } from './aws-errors.ts';

const sdkError = (name: string, status?: number) =>
  Object.assign(new Error('AWS said something, maybe quoting a canonical request'), {
    name,
    $metadata: status === undefined ? {} : { httpStatusCode: status, requestId: 'req-1' },
  });

describe('classifyAwsFailure', () => {
  it.each<[string, unknown, AwsFailureKind]>([
    ['ThrottlingException', sdkError('ThrottlingException', 400), 'throttled'],
    ['STS Throttling', sdkError('Throttling', 400), 'throttled'],
    ['bare 429', sdkError('UnknownError', 429), 'throttled'],
    ['500', sdkError('ServerException', 500), 'transient'],
    ['503 without a code', sdkError('Error', 503), 'transient'],
    ['UnrecognizedClientException', sdkError('UnrecognizedClientException', 400), 'auth'],
    ['InvalidSignatureException', sdkError('InvalidSignatureException', 400), 'auth'],
    ['ExpiredTokenException', sdkError('ExpiredTokenException', 400), 'auth'],
    ['STS AccessDenied', sdkError('AccessDenied', 403), 'auth'],
    ['no credentials in the chain', sdkError('CredentialsProviderError'), 'auth'],
    ['bare 403', sdkError('Error', 403), 'auth'],
    ['connection refused', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'transient'],
    [
      'undici socket error as a cause',
      new Error('fetch failed', {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      }),
      'transient',
    ],
    ['our request timeout', new RegcredError(ErrorCode.Timeout, 'timed out'), 'timeout'],
    ['unreadable 200 answer', sdkError('TypeError', 200), 'invalid'],
    ['something else', new Error('??'), 'other'],
  ])('%s → %s', (_name, error, kind) => {
    expect(classifyAwsFailure(error).kind).toBe(kind);
  });

  it('never carries the message, only the code, status and request id', () => {
    expect(classifyAwsFailure(sdkError('AccessDeniedException', 400))).toEqual({
      kind: 'auth',
      name: 'AccessDeniedException',
      httpStatus: 400,
      requestId: 'req-1',
    });
  });
});
