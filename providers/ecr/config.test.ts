import { describe, expect, it } from 'vitest';
import ecr from './index.ts';

describe('ecr config validation', () => {
  it.each([
    ['empty (default chain)', {}],
    ['profile', { profile: 'pull' }],
    ['roleArn', { roleArn: 'arn:aws:iam::444455556666:role/ecr-pull' }],
    ['GovCloud role with a path', { roleArn: 'arn:aws-us-gov:iam::444455556666:role/team/ecr-pull' }],
    [
      'roleArn with every option',
      {
        roleArn: 'arn:aws-cn:iam::444455556666:role/ecr-pull',
        externalId: 'regcred-2026',
        roleSessionName: 'regcred@cluster-1',
        durationSeconds: 3600,
      },
    ],
  ])('accepts %s', (_name, raw) => {
    expect(ecr.validateConfig(raw)).toMatchObject({ ok: true, value: raw });
  });

  it.each([
    ['region (it comes from the host)', { region: 'us-east-1' }, [], 'region come from the registry host'],
    ['a misspelt key', { rolearn: 'x' }, [], 'unknown key "rolearn"; known keys: roleArn'],
    ['a user ARN as roleArn', { roleArn: 'arn:aws:iam::444455556666:user/bob' }, ['roleArn'], 'IAM role ARN'],
    ['roleArn not a string', { roleArn: 42 }, ['roleArn'], 'must be a string'],
    ['externalId without roleArn', { externalId: 'x-123' }, ['externalId'], 'only applies with roleArn'],
    [
      'durationSeconds below 15 minutes',
      { roleArn: 'arn:aws:iam::444455556666:role/r', durationSeconds: 60 },
      ['durationSeconds'],
      'at least 900',
    ],
    [
      'durationSeconds not whole',
      { roleArn: 'arn:aws:iam::444455556666:role/r', durationSeconds: 1000.5 },
      ['durationSeconds'],
      'whole number',
    ],
    [
      'a session name with spaces',
      { roleArn: 'arn:aws:iam::444455556666:role/r', roleSessionName: 'my session' },
      ['roleSessionName'],
      '2–64 characters',
    ],
    ['an empty profile', { profile: '' }, ['profile'], 'must not be empty'],
  ])('rejects %s with the field path', (_name, raw, path, message) => {
    const result = ecr.validateConfig(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
    expect(issue?.message).toContain(message);
  });

  it('reports every bad field at once', () => {
    const result = ecr.validateConfig({ roleArn: 'nope', durationSeconds: 'long', bogus: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.length).toBeGreaterThanOrEqual(3);
  });
});
