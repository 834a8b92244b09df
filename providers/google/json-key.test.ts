import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, RegcredError } from '../../src/core/errors.ts';
import { makeServiceAccountKey, makeTestProvider, signal } from '../../test/fakes/google/test-provider.ts';

const dir = mkdtempSync(join(tmpdir(), 'regcred-google-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = makeServiceAccountKey();
const keyPath = join(dir, 'key.json');
writeFileSync(keyPath, key.json);

describe('google provider: service-account key mode', () => {
  const usernames = [
    { name: '_json_key: the key JSON as-is', keyUsername: '_json_key', password: key.json },
    {
      name: '_json_key_base64: the key JSON in base64',
      keyUsername: '_json_key_base64',
      password: Buffer.from(key.json).toString('base64'),
    },
  ] as const;
  for (const { name, keyUsername, password } of usernames) {
    it(name, async () => {
      const wired = makeTestProvider({ config: { keyFile: 'key.json', keyUsername }, configDir: dir });
      try {
        const credential = await wired.provider.getCredential('europe-docker.pkg.dev', { signal: signal() });
        expect(credential).toMatchObject({
          username: keyUsername,
          password,
          expiresAt: null,
          hosts: ['europe-docker.pkg.dev'],
          source: 'google:json_key:puller@demo-project.iam.gserviceaccount.com',
        });
      } finally {
        await wired.close();
      }
    });
  }

  it('reads the key from an environment variable, raw or base64', async () => {
    for (const value of [key.json, Buffer.from(key.json).toString('base64')]) {
      const wired = makeTestProvider({ config: { keyEnv: 'GCR_KEY' }, env: { GCR_KEY: value } });
      const credential = await wired.provider.getCredential('gcr.io', { signal: signal() });
      expect(credential.password).toBe(key.json);
      await wired.close();
    }
  });

  it('re-reads the key file when it changes', async () => {
    const path = join(dir, 'rotating.json');
    writeFileSync(path, key.json);
    const wired = makeTestProvider({ config: { keyFile: path } });
    const first = await wired.provider.getCredential('gcr.io', { signal: signal() });
    const next = makeServiceAccountKey('rotated@demo-project.iam.gserviceaccount.com');
    writeFileSync(path, next.json);
    const second = await wired.provider.getCredential('gcr.io', { signal: signal() });
    expect(first.password).toBe(key.json);
    expect(second.password).toBe(next.json);
    await wired.close();
  });

  const bad: { name: string; content: string | undefined; message: RegExp }[] = [
    {
      name: 'missing file',
      content: undefined,
      message: /key file .*missing\.json cannot be read \(ENOENT\)/,
    },
    { name: 'empty file', content: '  \n', message: /is empty/ },
    {
      name: 'not JSON',
      content: `{"private_key": "${key.privateKeyPem.slice(0, 80)}`,
      message: /is not valid JSON/,
    },
    { name: 'a JSON array', content: '[]', message: /is not a JSON object/ },
    {
      name: 'wrong type',
      content: JSON.stringify({ ...JSON.parse(key.json), type: 'authorized_user' }),
      message: /"type" must be "service_account" \(got "authorized_user"\)/,
    },
    {
      name: 'no client_email',
      content: JSON.stringify({ ...JSON.parse(key.json), client_email: undefined }),
      message: /"client_email" is missing/,
    },
    {
      name: 'no private_key',
      content: JSON.stringify({ ...JSON.parse(key.json), private_key: '' }),
      message: /"private_key" is missing or not a PEM private key/,
    },
    {
      name: 'a broken private_key',
      content: JSON.stringify({
        ...JSON.parse(key.json),
        private_key: key.privateKeyPem.replace(/[A-Za-z0-9+/]{40}/, 'A'.repeat(40)).slice(0, 400),
      }),
      message: /"private_key" cannot be parsed/,
    },
  ];
  for (const { name, content, message } of bad) {
    it(`rejects a ${name} with ERR_CREDENTIAL_SOURCE and no key material in the message`, async () => {
      const path = join(dir, content === undefined ? 'missing.json' : `${name.replace(/\W+/g, '-')}.json`);
      if (content !== undefined) writeFileSync(path, content);
      const wired = makeTestProvider({ config: { keyFile: path } });
      const error = (await wired.provider
        .getCredential('gcr.io', { signal: signal() })
        .catch((e: unknown) => e)) as RegcredError;
      await wired.close();
      expect(error).toBeInstanceOf(RegcredError);
      expect(error.code).toBe(ErrorCode.CredentialSource);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('PRIVATE KEY');
      expect(error.message).not.toContain(key.privateKeyPem.split('\n')[1]);
    });
  }

  it('keeps the key out of every log line', async () => {
    const wired = makeTestProvider({ config: { keyFile: keyPath } });
    const credential = await wired.provider.getCredential('gcr.io', { signal: signal() });
    wired.logs.logger.info({ password: credential.password, text: `pw=${credential.password}` }, 'oops');
    wired.logs.logger.warn(`key ${key.privateKeyPem}`);
    wired.logs.assertNoSecrets([key.json, key.privateKeyPem, Buffer.from(key.json).toString('base64')]);
    await wired.close();
  });

  it('rejects an unset key variable with ERR_CREDENTIAL_SOURCE naming it', async () => {
    const wired = makeTestProvider({ config: { keyEnv: 'NOPE' } });
    await expect(wired.provider.getCredential('gcr.io', { signal: signal() })).rejects.toMatchObject({
      code: ErrorCode.CredentialSource,
      message: 'environment variable NOPE is not set or empty',
    });
    await wired.close();
  });
});
