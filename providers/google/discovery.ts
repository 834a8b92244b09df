import { ArtifactRegistryClient } from '@google-cloud/artifact-registry';
import type { AuthClient } from 'google-auth-library';

/** The two list calls discovery needs, so tests and the real client share one shape. */
export interface RepositoryLister {
  listLocationIds(project: string): AsyncIterable<string>;
  listRepositories(project: string, location: string): AsyncIterable<{ name: string; format: string }>;
  close(): Promise<void>;
}

/** GCR-compatible repositories in Artifact Registry are named after the GCR host they serve. */
const GCR_DOMAIN_REPOSITORIES = new Set(['gcr.io', 'us.gcr.io', 'eu.gcr.io', 'asia.gcr.io']);

/** Format enum numbers (google.devtools.artifactregistry.v1.Repository.Format) for numeric enum encoding. */
const FORMAT_NAMES: Readonly<Record<number, string>> = {
  0: 'FORMAT_UNSPECIFIED',
  1: 'DOCKER',
  2: 'MAVEN',
  3: 'NPM',
  5: 'APT',
  6: 'YUM',
  8: 'PYTHON',
  9: 'KFP',
  10: 'GO',
  11: 'GENERIC',
  12: 'RUBY',
};

export interface DiscoverOptions {
  readonly projects: readonly string[];
  /** Only these locations; every location of each project when absent. */
  readonly locations?: readonly string[];
  /** Location listings run this many at a time. */
  readonly concurrency?: number;
}

/**
 * The registry hosts of the projects' DOCKER-format repositories: `<location>-docker.pkg.dev`, plus
 * `gcr.io`-style hosts for GCR-compatible repositories. Sorted, without duplicates.
 */
export async function discoverDockerHosts(
  lister: RepositoryLister,
  options: DiscoverOptions,
): Promise<string[]> {
  const hosts = new Set<string>();
  for (const project of options.projects) {
    const locations = options.locations ?? (await collect(lister.listLocationIds(project)));
    await forEachLimited(locations, options.concurrency ?? 4, async (location) => {
      for await (const repository of lister.listRepositories(project, location)) {
        if (repository.format !== 'DOCKER') continue;
        hosts.add(`${location}-docker.pkg.dev`);
        const id = repository.name.slice(repository.name.lastIndexOf('/') + 1);
        if (GCR_DOMAIN_REPOSITORIES.has(id)) hosts.add(id);
      }
    });
  }
  return [...hosts].sort();
}

export interface ArtifactRegistryListerOptions {
  readonly authClient: AuthClient;
  /** `https://artifactregistry.googleapis.com` by default; an http URL works (REST fallback). */
  readonly endpoint?: string;
}

/**
 * The real lister: `@google-cloud/artifact-registry` over its REST fallback transport (HTTP/1.1 + JSON),
 * which sends every request through the auth client's transporter, that is regcred's dispatcher.
 * gax' own retries are off; the provider retries the whole discovery.
 */
export function createArtifactRegistryLister(options: ArtifactRegistryListerOptions): RepositoryLister {
  const endpoint = options.endpoint === undefined ? undefined : new URL(options.endpoint);
  const client = new ArtifactRegistryClient({
    fallback: true,
    authClient: options.authClient,
    // Set explicitly: the client would otherwise read GOOGLE_CLOUD_UNIVERSE_DOMAIN from process.env.
    universeDomain: 'googleapis.com',
    ...(endpoint === undefined
      ? {}
      : {
          apiEndpoint: endpoint.hostname,
          port: Number(endpoint.port || (endpoint.protocol === 'http:' ? 80 : 443)),
          protocol: endpoint.protocol.replace(':', ''),
        }),
  });
  const callOptions = { maxRetries: 0, autoPaginate: false };
  return {
    async *listLocationIds(project) {
      for await (const location of client.listLocationsAsync({ name: `projects/${project}` }, callOptions)) {
        if (typeof location.locationId === 'string' && location.locationId !== '') yield location.locationId;
      }
    },
    async *listRepositories(project, location) {
      const parent = `projects/${project}/locations/${location}`;
      for await (const repository of client.listRepositoriesAsync({ parent }, callOptions)) {
        yield { name: repository.name ?? '', format: formatName(repository.format) };
      }
    },
    close: () => client.close(),
  };
}

function formatName(format: unknown): string {
  if (typeof format === 'number') return FORMAT_NAMES[format] ?? String(format);
  return typeof format === 'string' ? format : 'FORMAT_UNSPECIFIED';
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
