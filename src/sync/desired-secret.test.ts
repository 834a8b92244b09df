import { describe, expect, it } from 'vitest';
import type { SecretObject } from '../kube/types.ts';
import { planSecret, releaseSecret, type SecretPlanInput } from './desired-secret.ts';
import { type AuthEntry, decodeDockerConfig, encodeDockerConfig } from './docker-config.ts';
import {
  ADOPTED_ANNOTATION,
  EXPIRES_AT_ANNOTATION,
  MANAGED_BY_LABEL,
  REGISTRIES_ANNOTATION,
  TARGET_LABEL,
} from './ownership.ts';

const t0 = Date.UTC(2026, 0, 1);
const ecr = (password: string, expiresAt = t0 + 12 * 3_600_000): AuthEntry => ({
  key: '1.dkr.ecr.eu-west-1.amazonaws.com',
  registry: 'ecr',
  credential: { username: 'AWS', password, expiresAt: new Date(expiresAt), hosts: [], source: 'aws:role/x' },
});
const hub: AuthEntry = {
  key: 'https://index.docker.io/v1/',
  registry: 'hub',
  credential: { username: 'bot', password: 'hub-secret', expiresAt: null, hosts: [] },
};
const target = { name: 'regcred', adopt: false, prune: false };
const base: SecretPlanInput = {
  target,
  namespace: 'team-a',
  entries: [ecr('pw-1'), hub],
  unavailableKeys: new Set(),
  existing: undefined,
};

function created(input: Partial<SecretPlanInput> = {}): SecretObject {
  const plan = planSecret({ ...base, ...input, existing: undefined });
  if (plan.action !== 'create') throw new Error(`expected create, got ${plan.action}`);
  return { ...plan.secret, metadata: { ...plan.secret.metadata, resourceVersion: '7' } };
}
function auths(secret: SecretObject) {
  return decodeDockerConfig(secret.data?.['.dockerconfigjson'])?.auths ?? {};
}
const foreign = (extra: Record<string, unknown> = {}): SecretObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'regcred', namespace: 'team-a', resourceVersion: '3', labels: { app: 'mine' } },
  type: 'kubernetes.io/dockerconfigjson',
  data: {
    '.dockerconfigjson': encodeDockerConfig({
      auths: { 'quay.io': { username: 'me', password: 'user-pw', auth: 'x' } },
    }),
  },
  ...extra,
});

describe('planSecret', () => {
  it('creates a labelled, annotated Secret with one entry per registry', () => {
    const secret = created();
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(secret.metadata.labels).toMatchObject({
      [MANAGED_BY_LABEL]: 'regcred',
      [TARGET_LABEL]: 'regcred',
    });
    expect(secret.metadata.annotations?.[REGISTRIES_ANNOTATION]).toBe(
      '1.dkr.ecr.eu-west-1.amazonaws.com,https://index.docker.io/v1/',
    );
    expect(secret.metadata.annotations?.[EXPIRES_AT_ANNOTATION]).toBe(
      new Date(t0 + 12 * 3_600_000).toISOString(),
    );
    const entry = auths(secret)['1.dkr.ecr.eu-west-1.amazonaws.com'];
    expect(entry).toEqual({
      username: 'AWS',
      password: 'pw-1',
      auth: Buffer.from('AWS:pw-1').toString('base64'),
    });
    expect(JSON.stringify(secret.metadata)).not.toContain('pw-1');
  });

  const cases: {
    name: string;
    input: () => SecretPlanInput;
    action: string;
    check?: (secret: SecretObject) => void;
  }[] = [
    {
      name: 'same content → unchanged',
      input: () => ({ ...base, existing: created() }),
      action: 'unchanged',
    },
    {
      name: 'rotated password → update',
      input: () => ({ ...base, entries: [ecr('pw-2', t0 + 13 * 3_600_000), hub], existing: created() }),
      action: 'update',
      check: (s) => expect(auths(s)['1.dkr.ecr.eu-west-1.amazonaws.com']?.password).toBe('pw-2'),
    },
    {
      name: 'older credential never replaces a newer one',
      input: () => ({ ...base, entries: [ecr('old', t0 + 3_600_000), hub], existing: created() }),
      action: 'unchanged',
    },
    {
      name: 'user edit of a managed Secret is restored',
      input: () => {
        const existing = created();
        existing.data = { '.dockerconfigjson': encodeDockerConfig({ auths: {} }) };
        return { ...base, existing };
      },
      action: 'update',
      check: (s) => expect(Object.keys(auths(s))).toHaveLength(2),
    },
    {
      name: 'failed registry keeps its current entry',
      input: () => ({
        ...base,
        entries: [hub],
        unavailableKeys: new Set(['1.dkr.ecr.eu-west-1.amazonaws.com']),
        existing: created(),
      }),
      action: 'unchanged',
    },
    {
      name: 'registry left config without prune → entry kept',
      input: () => ({ ...base, entries: [hub], existing: created() }),
      action: 'unchanged',
    },
    {
      name: 'registry left config with prune → entry removed',
      input: () => ({ ...base, target: { ...target, prune: true }, entries: [hub], existing: created() }),
      action: 'update',
      check: (s) => expect(Object.keys(auths(s))).toEqual(['https://index.docker.io/v1/']),
    },
    {
      name: 'foreign Secret → left alone',
      input: () => ({ ...base, existing: foreign() }),
      action: 'foreign',
    },
    {
      name: 'another target’s Secret → foreign even with adopt',
      input: () => {
        const other = created();
        other.metadata.labels = { [MANAGED_BY_LABEL]: 'regcred', [TARGET_LABEL]: 'other' };
        return { ...base, target: { ...target, adopt: true }, existing: other };
      },
      action: 'foreign',
    },
    {
      name: 'adopt keeps user entries and labels',
      input: () => ({ ...base, target: { ...target, adopt: true }, existing: foreign() }),
      action: 'update',
      check: (s) => {
        expect(Object.keys(auths(s)).sort()).toEqual([
          '1.dkr.ecr.eu-west-1.amazonaws.com',
          'https://index.docker.io/v1/',
          'quay.io',
        ]);
        expect(s.metadata.annotations?.[ADOPTED_ANNOTATION]).toBe('true');
        expect(s.metadata.annotations?.[REGISTRIES_ANNOTATION]).not.toContain('quay.io');
        expect(s.metadata.labels?.app).toBe('mine');
        expect(s.metadata.resourceVersion).toBe('3');
      },
    },
    {
      name: 'adopt of an Opaque Secret → type mismatch',
      input: () => ({ ...base, target: { ...target, adopt: true }, existing: foreign({ type: 'Opaque' }) }),
      action: 'type-mismatch',
    },
    {
      name: 'no credentials, nothing there → no write',
      input: () => ({ ...base, entries: [] }),
      action: 'no-credentials',
    },
  ];
  it.each(cases)('$name', ({ input, action, check }) => {
    const plan = planSecret(input());
    expect(plan.action).toBe(action);
    if (check && 'secret' in plan) check(plan.secret);
  });

  it('an adopted Secret stays unchanged on the next pass and keeps user entries', () => {
    const first = planSecret({ ...base, target: { ...target, adopt: true }, existing: foreign() });
    if (first.action !== 'update') throw new Error(first.action);
    expect(planSecret({ ...base, target: { ...target, adopt: true }, existing: first.secret }).action).toBe(
      'unchanged',
    );
    const released = releaseSecret(first.secret);
    expect(Object.keys(released ? auths(released) : {})).toEqual(['quay.io']);
    expect(released?.metadata.labels?.[MANAGED_BY_LABEL]).toBeUndefined();
  });
});
