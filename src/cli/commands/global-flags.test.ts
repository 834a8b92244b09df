import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTestCli } from '../../../test/fakes/cli-env.ts';
import { builtinProviders } from '../builtin-providers.ts';

// The README's main job, run in-process the way users type it: global flags before or after the command.
const QUICKSTART = resolve(import.meta.dirname, '../../../examples/quickstart/regcred.yaml');

describe('global --config and --log-level reach every command', () => {
  const orders = [
    {
      name: 'after the command',
      args: ['sync', '--dry-run', '--config', QUICKSTART, '--log-level', 'error'],
    },
    {
      name: 'before the command',
      args: ['--config', QUICKSTART, '--log-level', 'error', 'sync', '--dry-run'],
    },
  ];
  for (const order of orders) {
    it(`renders the quickstart offline with the flags ${order.name}`, async () => {
      const cli = await runTestCli(order.args, {
        providers: builtinProviders(),
        env: { HOME: '/nonexistent' },
      });
      expect(cli.exitCode()).toBe(0);
      const docs = cli.stdout().split('\n---\n');
      expect(docs.filter((d) => d.includes('kind: Secret'))).toHaveLength(2);
      expect(cli.stdout()).toContain('namespace: payments');
      // --log-level error: the offline-rendering warning is not logged.
      expect(cli.stderr()).not.toContain('"level":"warn"');
    });
  }
});
