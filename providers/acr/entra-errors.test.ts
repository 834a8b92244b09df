import { AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { entraError } from './entra-errors.ts';

const identity = { label: 'workload identity (client id abc)', key: 'workload:abc' };

/** Shaped like MSAL's ServerError inside @azure/identity's AuthenticationRequiredError. */
function msalError(errorCode: string, status: number | undefined, errorMessage = ''): Error {
  const cause = Object.assign(new Error(`${errorCode}: ${errorMessage}`), {
    errorCode,
    errorMessage,
    status,
  });
  return new Error(`${errorCode}: ${errorMessage}`, { cause });
}

describe('entraError', () => {
  it.each([
    {
      name: 'invalid_client 401',
      error: msalError('invalid_client', 401, 'Description: AADSTS7000215: Invalid client secret provided.'),
      code: ErrorCode.CredentialAuth,
      message:
        /invalid_client AADSTS7000215 \(HTTP 401\): Entra ID rejected workload identity \(client id abc\)/,
    },
    {
      name: 'federated assertion refused (400 invalid_request)',
      error: msalError('invalid_request', 400, 'AADSTS70021: No matching federated identity record found'),
      code: ErrorCode.CredentialAuth,
      message: /AADSTS70021/,
    },
    { name: '429', error: msalError('', 429), code: ErrorCode.CredentialThrottled, message: /throttled/ },
    {
      name: '503',
      error: msalError('temporarily_unavailable', 503),
      code: ErrorCode.CredentialFetch,
      message: /HTTP 503/,
    },
    {
      name: 'MSAL throttle cache (empty ServerError)',
      error: msalError('', undefined),
      code: ErrorCode.CredentialFetch,
      message: /failed/,
    },
    {
      name: 'AuthenticationError 403',
      error: new AuthenticationError(403, { error: 'access_denied', error_description: 'AADSTS50105: no' }),
      code: ErrorCode.CredentialAuth,
      message: /access_denied AADSTS50105/,
    },
    {
      name: 'credential unavailable',
      error: new CredentialUnavailableError('ManagedIdentityCredential: no endpoint\nmore detail'),
      code: ErrorCode.CredentialSource,
      message: /not available here: ManagedIdentityCredential: no endpoint$/,
    },
  ])('$name', ({ error, code, message }) => {
    const mapped = entraError(error, identity);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toMatch(message);
  });

  it('prefers our transport error over MSAL network_error', () => {
    const timeout = new RegcredError(ErrorCode.Timeout, 'Entra ID call took longer than 10 ms');
    expect(entraError(msalError('network_error', undefined), identity, timeout)).toBe(timeout);
  });

  it('never copies the error description (it can quote request values)', () => {
    const mapped = entraError(
      msalError('invalid_client', 401, 'AADSTS7000215: secret s3cr3t-value was wrong'),
      identity,
    );
    expect(mapped.message).not.toContain('s3cr3t-value');
  });
});
