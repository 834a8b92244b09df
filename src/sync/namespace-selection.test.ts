import { describe, expect, it } from 'vitest';
import { isRegcredError } from '../core/errors.ts';
import {
  compileNamespaceSelection,
  matchesLabelSelector,
  parseLabelSelector,
} from './namespace-selection.ts';

describe('compileNamespaceSelection', () => {
  const cases: {
    name: string;
    selection: { include: string[]; exclude: string[]; selector?: string };
    ns: string;
    labels?: Record<string, string>;
    expected: boolean;
  }[] = [
    {
      name: 'star selects ordinary namespaces',
      selection: { include: ['*'], exclude: [] },
      ns: 'team-a',
      expected: true,
    },
    {
      name: 'star skips kube-system',
      selection: { include: ['*'], exclude: [] },
      ns: 'kube-system',
      expected: false,
    },
    {
      name: 'glob skips kube-public',
      selection: { include: ['kube-*'], exclude: [] },
      ns: 'kube-public',
      expected: false,
    },
    {
      name: 'exact name selects a system namespace',
      selection: { include: ['kube-system'], exclude: [] },
      ns: 'kube-system',
      expected: true,
    },
    { name: 'glob prefix', selection: { include: ['team-*'], exclude: [] }, ns: 'team-b', expected: true },
    {
      name: 'glob does not match other',
      selection: { include: ['team-*'], exclude: [] },
      ns: 'other',
      expected: false,
    },
    {
      name: 'question mark is one char',
      selection: { include: ['ns-?'], exclude: [] },
      ns: 'ns-12',
      expected: false,
    },
    { name: 'dot is literal', selection: { include: ['a.b'], exclude: [] }, ns: 'axb', expected: false },
    {
      name: 'exclude wins',
      selection: { include: ['*'], exclude: ['team-*'] },
      ns: 'team-a',
      expected: false,
    },
    {
      name: 'selector must match',
      selection: { include: ['*'], exclude: [], selector: 'team=payments' },
      ns: 'a',
      labels: { team: 'search' },
      expected: false,
    },
    {
      name: 'selector matches',
      selection: { include: ['*'], exclude: [], selector: 'team=payments' },
      ns: 'a',
      labels: { team: 'payments' },
      expected: true,
    },
  ];
  it.each(cases)('$name', ({ selection, ns, labels, expected }) => {
    const matcher = compileNamespaceSelection(selection);
    expect(matcher.matches({ name: ns, labels: labels ?? {} })).toBe(expected);
  });

  it('lists literal names for offline dry-run', () => {
    expect(compileNamespaceSelection({ include: ['a', 'team-*', 'b'], exclude: [] }).literalNames).toEqual([
      'a',
      'b',
    ]);
  });
});

describe('label selectors', () => {
  const cases: { name: string; selector: string; labels: Record<string, string>; expected: boolean }[] = [
    { name: 'equality', selector: 'a=b', labels: { a: 'b' }, expected: true },
    { name: 'double equals', selector: 'a==b', labels: { a: 'c' }, expected: false },
    { name: 'inequality with missing key matches', selector: 'a!=b', labels: {}, expected: true },
    { name: 'set in', selector: 'env in (prod, staging)', labels: { env: 'staging' }, expected: true },
    { name: 'set notin', selector: 'env notin (prod)', labels: { env: 'prod' }, expected: false },
    { name: 'exists', selector: 'team', labels: { team: '' }, expected: true },
    { name: 'not exists', selector: '!legacy', labels: { legacy: 'yes' }, expected: false },
    { name: 'conjunction', selector: 'a=b,env in (x,y),!z', labels: { a: 'b', env: 'y' }, expected: true },
    {
      name: 'prefixed key',
      selector: 'example.com/tier=gold',
      labels: { 'example.com/tier': 'gold' },
      expected: true,
    },
  ];
  it.each(cases)('$name', ({ selector, labels, expected }) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(['a=b,', 'a b', '=b', 'a in b', 'a=b c'])('rejects %s with a ConfigError', (selector) => {
    let thrown: unknown;
    try {
      parseLabelSelector(selector, ['secrets', 0, 'namespaces', 'selector']);
    } catch (error) {
      thrown = error;
    }
    expect(isRegcredError(thrown, 'ERR_CONFIG_INVALID')).toBe(true);
  });
});
