import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { ErrorCode } from '../../src/core/errors.ts';
import type { ProviderContext } from '../../src/core/provider.ts';
import { captureLogs } from '../../test/fakes/log-capture.ts';
import staticProvider from './index.ts';

const signal = () => AbortSignal.timeout(5_000);
let dir = '';
const dispatcher = new Agent();
const logs = captureLogs();

function build(raw: Record<string, unknown>, env: Record<string, string | undefined> = {}) {
  const validation = staticProvider.validateConfig(raw);
  if (!validation.ok) throw new Error(JSON.stringify(validation.issues));
  const context: ProviderContext = {
    logger: logs.logger,
    clock: systemClock,
    dispatcher,
    env,
    configDir: dir,
    registerSecret: (s) => logs.scrubber.add(s),
  };
  return staticProvider.create(validation.value, context);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regcred-static-'));
});
afterAll(async () => {
  await dispatcher.close();
  await rm(dir, { recursive: true, force: true });
});

describe('static provider', () => {
  const sources = [
    {
      name: 'inline password',
      raw: { username: 'robot', password: 'inline-pw-1' },
      env: {},
      want: 'inline-pw-1',
    },
    {
      name: 'environment variable',
      raw: { username: 'robot', passwordEnv: 'ROBOT_PW' },
      env: { ROBOT_PW: 'env-pw-22' },
      want: 'env-pw-22',
    },
  ];
  for (const source of sources) {
    it(`reads the password from ${source.name}`, async () => {
      const credential = await build(source.raw, source.env).getCredential('harbor.example.com', {
        signal: signal(),
      });
      expect(credential).toMatchObject({
        username: 'robot',
        password: source.want,
        expiresAt: null,
        hosts: ['harbor.example.com'],
      });
    });
  }

  it('re-reads a password file when it changes (a rotated mounted Secret) and drops one trailing newline', async () => {
    const file = join(dir, 'rotating');
    await writeFile(file, 'first-password\n');
    const provider = build({ username: 'robot', passwordFile: 'rotating' });
    expect((await provider.getCredential('r.example', { signal: signal() })).password).toBe('first-password');
    await writeFile(file, 'second-password-longer\r\n');
    expect((await provider.getCredential('r.example', { signal: signal() })).password).toBe(
      'second-password-longer',
    );
  });

  const failures = [
    {
      name: 'a missing file',
      raw: { username: 'robot', passwordFile: 'does-not-exist' },
      env: {},
      message: /cannot read password file .*does-not-exist: no such file/,
    },
    {
      name: 'an unset variable',
      raw: { username: 'robot', passwordEnv: 'NOPE' },
      env: {},
      message: /NOPE is not set or empty/,
    },
    {
      name: 'an empty variable',
      raw: { username: 'robot', passwordEnv: 'EMPTY' },
      env: { EMPTY: '' },
      message: /EMPTY is not set or empty/,
    },
  ];
  for (const failure of failures) {
    it(`fails clearly, with ERR_CREDENTIAL_SOURCE, on ${failure.name}`, async () => {
      const attempt = build(failure.raw, failure.env).getCredential('r.example', { signal: signal() });
      await expect(attempt).rejects.toMatchObject({
        code: ErrorCode.CredentialSource,
        message: expect.stringMatching(failure.message),
      });
    });
  }

  it('fails clearly on an empty password file', async () => {
    await writeFile(join(dir, 'empty'), '\n');
    await expect(
      build({ username: 'robot', passwordFile: 'empty' }).getCredential('r.example', { signal: signal() }),
    ).rejects.toThrow(/password file .*empty is empty/);
  });
});
