import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeProviderContract } from '../../test/contract/provider-contract.ts';
import { startFakeMetadataServer } from '../../test/fakes/google/metadata-server.ts';
import { makeServiceAccountKey } from '../../test/fakes/google/test-provider.ts';
import googleProvider from './index.ts';

const invalidConfigs = [
  { name: 'keyFile and keyEnv together', raw: { keyFile: 'k.json', keyEnv: 'K' }, path: ['keyEnv'] },
  {
    name: 'an unknown key username',
    raw: { keyFile: 'k.json', keyUsername: 'admin' },
    path: ['keyUsername'],
  },
  {
    name: 'impersonate with a key file',
    raw: { keyFile: 'k.json', impersonate: 'a@b.iam.gserviceaccount.com' },
    path: ['impersonate'],
  },
  { name: 'impersonate that is not an email', raw: { impersonate: 'not-an-email' }, path: ['impersonate'] },
  { name: 'discover without projects', raw: { discover: { projects: [] } }, path: ['discover', 'projects'] },
  {
    name: 'a bad location',
    raw: { discover: { projects: ['p-1'], locations: ['US East'] } },
    path: ['discover', 'locations', 0],
  },
  { name: 'an empty scope list', raw: { scopes: [] }, path: ['scopes'] },
];

describeProviderContract({
  factory: googleProvider,
  validConfig: { scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
  invalidConfigs,
  async setup() {
    const metadata = await startFakeMetadataServer();
    return {
      host: 'us-docker.pkg.dev',
      context: { env: { GCE_METADATA_HOST: metadata.host } },
      secrets: () => metadata.issued,
      teardown: () => metadata.close(),
    };
  },
});

const dir = mkdtempSync(join(tmpdir(), 'regcred-google-contract-'));
const key = makeServiceAccountKey();
writeFileSync(join(dir, 'key.json'), key.json);

describeProviderContract({
  factory: googleProvider,
  validConfig: { keyFile: 'key.json', keyUsername: '_json_key_base64' },
  async setup() {
    return {
      host: 'gcr.io',
      context: { configDir: dir },
      secrets: () => [key.json, key.privateKeyPem],
      teardown: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
