import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../src/core/errors.ts';
import acr from './index.ts';

describe('acr config validation', () => {
  it.each([
    {
      name: 'nothing: the default chain',
      raw: {},
      expected: { identity: { type: 'default' }, discovery: true },
    },
    {
      name: 'workload identity with defaults from env',
      raw: { identity: { type: 'workload' } },
      expected: { identity: { type: 'workload' } },
    },
    {
      name: 'system-assigned managed identity',
      raw: { identity: { type: 'managed' } },
      expected: { identity: { type: 'managed' } },
    },
    {
      name: 'user-assigned managed identity by resource id',
      raw: {
        identity: {
          type: 'managed',
          resourceId:
            '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id',
        },
      },
      expected: { identity: { type: 'managed' } },
    },
    {
      name: 'client secret from a file, durations parsed',
      raw: {
        identity: { type: 'client-secret', clientId: 'c', clientSecretFile: '/secrets/sp' },
        tenantId: 't',
        requestTimeout: '2s',
        retry: { attempts: 2, baseDelay: '250ms', maxDelay: '1m' },
      },
      expected: { requestTimeout: 2000, retry: { attempts: 2, baseDelay: 250, maxDelay: 60_000 } },
    },
    {
      name: 'China cloud',
      raw: { cloud: 'china' },
      expected: { cloud: 'china' },
    },
    {
      name: 'seconds as a number',
      raw: { requestTimeout: 5 },
      expected: { requestTimeout: 5000 },
    },
  ])('accepts: $name', ({ raw, expected }) => {
    const result = acr.validateConfig(raw);
    if (!result.ok) throw new Error(formatIssues(result.issues));
    expect(result.value).toMatchObject(expected);
  });

  it.each([
    {
      name: 'an inline secret',
      raw: { identity: { type: 'client-secret', clientId: 'c', clientSecret: 'hunter2!' } },
      path: 'identity',
    },
    {
      name: 'two secret sources',
      raw: {
        identity: { type: 'client-secret', clientId: 'c', clientSecretEnv: 'A', clientSecretFile: '/f' },
      },
      path: 'identity.clientSecretEnv',
    },
    {
      name: 'no secret source',
      raw: { identity: { type: 'client-secret', clientId: 'c' } },
      path: 'identity.clientSecretEnv',
    },
    {
      name: 'clientId and resourceId together',
      raw: {
        identity: {
          type: 'managed',
          clientId: 'c',
          resourceId: '/subscriptions/s/resourceGroups/r/providers/x',
        },
      },
      path: 'identity.resourceId',
    },
    { name: 'unknown identity type', raw: { identity: { type: 'azure-cli' } }, path: 'identity.type' },
    { name: 'unknown top-level key', raw: { registry: 'x' }, path: '' },
    { name: 'unknown cloud', raw: { cloud: 'germany' }, path: 'cloud' },
    { name: 'http authority host', raw: { authorityHost: 'http://login.example' }, path: 'authorityHost' },
    { name: 'bad duration', raw: { requestTimeout: '10 seconds' }, path: 'requestTimeout' },
    { name: 'too many attempts', raw: { retry: { attempts: 50 } }, path: 'retry.attempts' },
    {
      name: 'env name with a dash',
      raw: { identity: { type: 'client-secret', clientId: 'c', clientSecretEnv: 'A-B' } },
      path: 'identity.clientSecretEnv',
    },
  ])('rejects: $name', ({ raw, path }) => {
    const result = acr.validateConfig(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((issue) => issue.path.join('.'))).toContain(path);
      expect(formatIssues(result.issues)).not.toContain('hunter2!');
    }
  });
});
