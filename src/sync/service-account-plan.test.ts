import { describe, expect, it } from 'vitest';
import type { ServiceAccountObject } from '../kube/types.ts';
import { SA_ENTRIES_ANNOTATION } from './ownership.ts';
import {
  planServiceAccountAdd,
  planServiceAccountRemove,
  wantsServiceAccount,
} from './service-account-plan.ts';

const sa = (pulls: string[], ours?: string): ServiceAccountObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: {
    name: 'default',
    namespace: 'a',
    resourceVersion: '5',
    ...(ours === undefined ? {} : { annotations: { [SA_ENTRIES_ANNOTATION]: ours } }),
  },
  imagePullSecrets: pulls.map((name) => ({ name })),
});

describe('ServiceAccount plans', () => {
  it('appends after existing entries with a resourceVersion precondition', () => {
    expect(planServiceAccountAdd(sa(['theirs']), 'regcred')).toEqual({
      metadata: { resourceVersion: '5', annotations: { [SA_ENTRIES_ANNOTATION]: 'regcred' } },
      imagePullSecrets: [{ name: 'theirs' }, { name: 'regcred' }],
    });
  });
  it('does nothing when the entry is already there', () => {
    expect(planServiceAccountAdd(sa(['regcred']), 'regcred')).toBeUndefined();
  });
  it('removes only an entry regcred added', () => {
    expect(planServiceAccountRemove(sa(['regcred']), 'regcred')).toBeUndefined();
    expect(planServiceAccountRemove(sa(['theirs', 'regcred'], 'regcred'), 'regcred')).toEqual({
      metadata: { resourceVersion: '5', annotations: { [SA_ENTRIES_ANNOTATION]: null } },
      imagePullSecrets: [{ name: 'theirs' }],
    });
  });
  it.each([
    { list: ['*'], name: 'x', expected: true },
    { list: ['default'], name: 'default', expected: true },
    { list: ['default'], name: 'builder', expected: false },
    { list: [], name: 'default', expected: false },
  ])('wantsServiceAccount($list, $name) = $expected', ({ list, name, expected }) => {
    expect(wantsServiceAccount(list, name)).toBe(expected);
  });
});
