import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeProviderContract } from '../../test/contract/provider-contract.ts';
import staticProvider from './index.ts';

let dir = '';
const password = 'static-contract-password-0f3a';

describeProviderContract({
  factory: staticProvider,
  validConfig: { username: 'robot', passwordFile: 'password' },
  invalidConfigs: [
    { name: 'no password source', raw: { username: 'robot' }, path: ['passwordFile'] },
    {
      name: 'two password sources',
      raw: { username: 'robot', password: 'x', passwordEnv: 'P' },
      path: ['passwordEnv'],
    },
    { name: 'empty username', raw: { username: '', passwordEnv: 'P' }, path: ['username'] },
  ],
  async setup() {
    dir = await mkdtemp(join(tmpdir(), 'regcred-static-'));
    await writeFile(join(dir, 'password'), `${password}\n`);
    return {
      host: 'registry.example.com:5000',
      context: { configDir: dir },
      secrets: () => [password],
      teardown: () => rm(dir, { recursive: true, force: true }),
    };
  },
});
