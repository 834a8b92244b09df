import { describe, expect, it } from 'vitest';
import { commandName } from './program.ts';

describe('commandName', () => {
  const cases: [string[], string | undefined][] = [
    [['image', 'nginx'], 'image'],
    [['--config', 'x.yaml', 'sync', '--dry-run'], 'sync'],
    [['-c', 'x.yaml', '--log-level', 'debug', 'get-credentials', 'docker.io'], 'get-credentials'],
    [['--config=x.yaml', 'proxy'], 'proxy'],
    [['--help'], undefined],
    [[], undefined],
    [['--', 'image'], 'image'],
  ];
  for (const [args, want] of cases)
    it(`${JSON.stringify(args)} → ${want}`, () => expect(commandName(args)).toBe(want));
});
