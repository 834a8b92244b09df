import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type RegcredError } from '../../src/core/errors.ts';
import {
  type FakeArtifactRegistry,
  startFakeArtifactRegistry,
} from '../../test/fakes/google/artifact-registry-server.ts';
import { startFakeGoogleApis } from '../../test/fakes/google/google-apis-server.ts';
import { loopbackDispatcher } from '../../test/fakes/google/loopback-dispatcher.ts';
import { type FakeMetadataServer, startFakeMetadataServer } from '../../test/fakes/google/metadata-server.ts';
import {
  makeServiceAccountKey,
  makeTestProvider,
  settle,
  signal,
  type TestProvider,
} from '../../test/fakes/google/test-provider.ts';
import googleProvider from './index.ts';

let metadata: FakeMetadataServer;
let registry: FakeArtifactRegistry;
let wired: TestProvider | undefined;

beforeEach(async () => {
  metadata = await startFakeMetadataServer();
  registry = await startFakeArtifactRegistry({
    acceptToken: (token) => metadata.issued.includes(token),
    pageSize: 2,
    locations: {
      'team-a': ['asia-east1', 'europe', 'europe-west1', 'us', 'us-central1'],
      'team-b': ['europe-west4', 'us'],
    },
    repositories: {
      'team-a': [
        { location: 'us', id: 'maven-central', format: 'MAVEN' },
        { location: 'us', id: 'npm', format: 'NPM' },
        { location: 'us', id: 'gcr.io', format: 'DOCKER' },
        { location: 'us', id: 'images', format: 'DOCKER' },
        { location: 'europe-west1', id: 'apt', format: 'APT' },
        { location: 'us-central1', id: 'py', format: 'PYTHON' },
        { location: 'us-central1', id: 'go', format: 'GO' },
        { location: 'us-central1', id: 'containers', format: 'DOCKER' },
      ],
      'team-b': [{ location: 'europe-west4', id: 'apps', format: 'DOCKER' }],
    },
  });
});
afterEach(async () => {
  await wired?.close();
  wired = undefined;
  await registry.close();
  await metadata.close();
});

function wire(discover: Record<string, unknown>): TestProvider {
  wired = makeTestProvider({
    config: { discover: { endpoint: registry.origin, ...discover } },
    env: { GCE_METADATA_HOST: metadata.host },
  });
  return wired;
}

describe('google provider: Artifact Registry discovery (REST fallback client against a fake)', () => {
  const cases: { name: string; discover: Record<string, unknown>; hosts: string[] }[] = [
    {
      name: 'docker repositories only, across pages of locations and repositories',
      discover: { projects: ['team-a'] },
      hosts: ['gcr.io', 'us-central1-docker.pkg.dev', 'us-docker.pkg.dev'],
    },
    {
      name: 'several projects, hosts merged without duplicates',
      discover: { projects: ['team-a', 'team-b'] },
      hosts: ['europe-west4-docker.pkg.dev', 'gcr.io', 'us-central1-docker.pkg.dev', 'us-docker.pkg.dev'],
    },
    {
      name: 'only the configured locations',
      discover: { projects: ['team-a', 'team-b'], locations: ['us-central1', 'europe-west4'] },
      hosts: ['europe-west4-docker.pkg.dev', 'us-central1-docker.pkg.dev'],
    },
    {
      name: 'a project without docker repositories',
      discover: { projects: ['team-b'], locations: ['us'] },
      hosts: [],
    },
  ];
  for (const { name, discover, hosts } of cases) {
    it(name, async () => {
      const { provider } = wire(discover);
      expect(await provider.discoverHosts({ signal: signal() })).toEqual(hosts);
    });
  }

  it('follows nextPageToken and authenticates with one coalesced metadata token', async () => {
    const { provider } = wire({ projects: ['team-a'] });
    await provider.discoverHosts({ signal: signal() });
    const pages = registry.requests.filter((r) => r.path === '/v1/projects/team-a/locations/us/repositories');
    expect(pages.map((r) => r.query.get('pageToken') ?? '')).toEqual(['', '2']);
    expect(registry.requests.filter((r) => r.path === '/v1/projects/team-a/locations')).toHaveLength(3);
    expect(metadata.calls.count('token')).toBe(1);
    expect(new Set(registry.requests.map((r) => r.headers.authorization))).toEqual(
      new Set([`Bearer ${metadata.issued[0]}`]),
    );
  });

  it('a token failure during discovery keeps its code (ERR_CREDENTIAL_AUTH from a 403 metadata server)', async () => {
    const { provider, clock } = wire({ projects: ['team-a'] });
    metadata.faults.fail('token', { status: 403 }, 20);
    const error = (await settle(provider.discoverHosts({ signal: signal() }), clock)) as RegcredError;
    expect(error.code).toBe(ErrorCode.CredentialAuth);
    expect(error.message).toContain('metadata server');
    expect(registry.calls.count('list-locations')).toBe(0);
  });

  it('does not list locations when they are configured', async () => {
    const { provider } = wire({ projects: ['team-a'], locations: ['us'] });
    await provider.discoverHosts({ signal: signal() });
    expect(registry.calls.count('list-locations')).toBe(0);
  });

  it('retries a 503 from the API, then succeeds', async () => {
    const { provider, clock } = wire({ projects: ['team-b'] });
    registry.faults.fail('list-repositories', { status: 503 });
    expect(await settle(provider.discoverHosts({ signal: signal() }), clock)).toEqual([
      'europe-west4-docker.pkg.dev',
    ]);
  });

  it('a project the identity may not read fails with ERR_CREDENTIAL_AUTH naming it', async () => {
    const { provider, clock } = wire({ projects: ['secret-project'] });
    const error = (await settle(provider.discoverHosts({ signal: signal() }), clock)) as RegcredError;
    expect(error.code).toBe(ErrorCode.CredentialAuth);
    expect(error.message).toContain('secret-project');
    expect(error.message).not.toContain(metadata.issued[0]);
    expect(registry.calls.count('list-locations')).toBe(1);
  });

  it('works in key mode too: the key signs a JWT for the API token (oauth2.googleapis.com routed to a fake)', async () => {
    const key = makeServiceAccountKey();
    const apis = await startFakeGoogleApis({
      serviceAccounts: new Map([['puller@demo-project.iam.gserviceaccount.com', key.publicKey]]),
    });
    const keyRegistry = await startFakeArtifactRegistry({
      acceptToken: apis.isValidToken,
      locations: { 'team-b': ['europe-west4'] },
      repositories: { 'team-b': [{ location: 'europe-west4', id: 'apps', format: 'DOCKER' }] },
    });
    try {
      wired = makeTestProvider({
        config: { keyEnv: 'KEY', discover: { projects: ['team-b'], endpoint: keyRegistry.origin } },
        env: { KEY: key.json },
        dispatcher: loopbackDispatcher({ 'oauth2.googleapis.com:443': apis.port }),
      });
      expect(await wired.provider.discoverHosts({ signal: signal() })).toEqual([
        'europe-west4-docker.pkg.dev',
      ]);
      expect(apis.calls.count('oauth2-token')).toBe(1);
      const credential = await wired.provider.getCredential('europe-west4-docker.pkg.dev', {
        signal: signal(),
      });
      expect(credential.username).toBe('_json_key');
    } finally {
      await keyRegistry.close();
      await apis.close();
    }
  });

  it('the factory advertises discovery and validates discover', () => {
    expect(googleProvider.canDiscoverHosts).toBe(true);
    const bad = googleProvider.validateConfig({ discover: { projects: [] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]?.path).toEqual(['discover', 'projects']);
  });
});
