import { describe, expect, it } from 'vitest';
import { credentialHealth, type IdentityStatus } from './credential-source.ts';

const NOW = Date.UTC(2026, 10, 28);
const base: IdentityStatus = {
  registry: 'ecr',
  key: 'ecr|1',
  expiresAt: new Date(NOW + 3_600_000),
  fetchedAt: NOW - 60_000,
  refreshAt: NOW + 1_000,
  consecutiveFailures: 0,
  lastError: null,
  nextAttemptAt: 0,
};
const error = { code: 'ERR_CREDENTIAL_FETCH', message: 'ECR answered 503' };

describe('credentialHealth', () => {
  const cases: { name: string; statuses: IdentityStatus[]; healthy: boolean; reason?: string }[] = [
    { name: 'nothing asked yet', statuses: [], healthy: true },
    { name: 'a fresh credential', statuses: [base], healthy: true },
    {
      name: 'a failed refresh while the old credential is valid',
      statuses: [{ ...base, lastError: error, consecutiveFailures: 2 }],
      healthy: true,
    },
    {
      name: 'a failed refresh after the credential expired',
      statuses: [{ ...base, expiresAt: new Date(NOW - 1), lastError: error }],
      healthy: false,
      reason: 'ecr: ERR_CREDENTIAL_FETCH',
    },
    {
      name: 'a first fetch that failed',
      statuses: [
        base,
        {
          ...base,
          registry: 'acr',
          key: 'acr|x',
          fetchedAt: null,
          expiresAt: null,
          lastError: { ...error, code: 'ERR_CREDENTIAL_AUTH' },
        },
      ],
      healthy: false,
      reason: 'acr: ERR_CREDENTIAL_AUTH',
    },
    {
      name: 'a long-lived credential whose re-read failed',
      statuses: [{ ...base, expiresAt: null, lastError: error }],
      healthy: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const health = credentialHealth(c.statuses, NOW);
      expect(health.healthy).toBe(c.healthy);
      if (c.reason) expect(health.reason).toBe(c.reason);
    });
  }
});
