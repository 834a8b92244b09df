import { describe, expect, it } from 'vitest';
import { resourceByName } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { ApiError } from './status.ts';
import type { KubeObject } from './types.ts';

const obj = (labels: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'n', namespace: 'ns', labels },
  ...extra,
});

describe('parseLabelSelector', () => {
  const cases: { selector: string; labels: Record<string, string>; match: boolean }[] = [
    { selector: 'a=b', labels: { a: 'b' }, match: true },
    { selector: 'a=b', labels: { a: 'c' }, match: false },
    { selector: 'a==b', labels: { a: 'b' }, match: true },
    { selector: 'a!=b', labels: {}, match: true },
    { selector: 'a!=b', labels: { a: 'b' }, match: false },
    { selector: 'a in (b,c)', labels: { a: 'c' }, match: true },
    { selector: 'a in (b,c)', labels: {}, match: false },
    { selector: 'a notin (b,c)', labels: {}, match: true },
    { selector: 'a notin (b,c)', labels: { a: 'b' }, match: false },
    { selector: 'a', labels: { a: '' }, match: true },
    { selector: '!a', labels: { a: '' }, match: false },
    {
      selector: 'example.com/team=x, env in (prod)',
      labels: { 'example.com/team': 'x', env: 'prod' },
      match: true,
    },
    { selector: 'a=', labels: { a: '' }, match: true },
    { selector: '', labels: {}, match: true },
  ];
  it.each(cases)('"$selector" against $labels → $match', ({ selector, labels, match }) => {
    const matcher = parseLabelSelector(selector);
    expect(matcher ? matcher(obj(labels)) : true).toBe(match);
  });

  it.each(['a in (b', 'a b', '=b', 'a in (b c)'])('rejects "%s" with 400', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(ApiError);
    try {
      parseLabelSelector(selector);
    } catch (err) {
      expect((err as ApiError).code).toBe(400);
    }
  });
});

describe('parseFieldSelector', () => {
  const secrets = resourceByName('secrets')!;
  const cases = [
    { selector: 'metadata.name=n', match: true },
    { selector: 'metadata.name!=n', match: false },
    { selector: 'metadata.namespace==ns', match: true },
    { selector: 'type=kubernetes.io/dockerconfigjson', match: true },
    { selector: 'type=Opaque,metadata.name=n', match: false },
  ];
  it.each(cases)('"$selector" → $match', ({ selector, match }) => {
    const matcher = parseFieldSelector(secrets, selector)!;
    expect(matcher(obj({}, { type: 'kubernetes.io/dockerconfigjson' }))).toBe(match);
  });

  it('rejects fields the resource does not index', () => {
    expect(() => parseFieldSelector(resourceByName('serviceaccounts')!, 'type=x')).toThrow(
      /not a known field selector/,
    );
  });
});
