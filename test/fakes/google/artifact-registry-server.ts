import {
  applyFault,
  CallCounter,
  FaultScript,
  listenLoopback,
  type RecordedRequest,
  sendJson,
  sendUnauthenticated,
} from './http.ts';

export type RepositoryFormat = 'DOCKER' | 'MAVEN' | 'NPM' | 'APT' | 'YUM' | 'PYTHON' | 'GO' | 'GENERIC';

const FORMAT_NUMBERS: Readonly<Record<RepositoryFormat, number>> = {
  DOCKER: 1,
  MAVEN: 2,
  NPM: 3,
  APT: 5,
  YUM: 6,
  PYTHON: 8,
  GO: 10,
  GENERIC: 11,
};

export interface FakeRepository {
  readonly location: string;
  readonly id: string;
  readonly format: RepositoryFormat;
}

export interface FakeArtifactRegistryOptions {
  /** project → its locations (every Artifact Registry location, repositories or not). */
  readonly locations: Readonly<Record<string, readonly string[]>>;
  /** project → repositories. */
  readonly repositories: Readonly<Record<string, readonly FakeRepository[]>>;
  /** Items per page, so pagination is exercised. */
  readonly pageSize?: number;
  /** Decides whether a Bearer token is accepted. */
  readonly acceptToken: (token: string) => boolean;
}

export type ArtifactRegistryRoute = 'list-locations' | 'list-repositories';

export interface FakeArtifactRegistry {
  readonly origin: string;
  readonly calls: CallCounter;
  readonly faults: FaultScript;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * The Artifact Registry REST API (v1) as the client's REST fallback calls it:
 * `GET /v1/projects/{p}/locations` and `GET /v1/projects/{p}/locations/{l}/repositories`, paginated with
 * `pageToken` / `nextPageToken`, enums as numbers when `$alt=json;enum-encoding=int` asks for them.
 */
export async function startFakeArtifactRegistry(
  options: FakeArtifactRegistryOptions,
): Promise<FakeArtifactRegistry> {
  const calls = new CallCounter();
  const faults = new FaultScript();
  const requests: RecordedRequest[] = [];
  const pageSize = options.pageSize ?? 2;

  const server = await listenLoopback((req, res) => {
    requests.push(req);
    const locations = /^\/v1\/projects\/([^/]+)\/locations$/.exec(req.path);
    const repositories = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories$/.exec(req.path);
    const route: ArtifactRegistryRoute | undefined = locations
      ? 'list-locations'
      : repositories
        ? 'list-repositories'
        : undefined;
    if (req.method !== 'GET' || route === undefined) {
      sendJson(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } });
      return;
    }
    calls.hit(route);
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (bearer === undefined || !options.acceptToken(bearer)) {
      sendUnauthenticated(res);
      return;
    }
    if (applyFault(faults.next(route), res)) return;
    const project = (locations?.[1] ?? repositories?.[1]) as string;
    if (options.locations[project] === undefined) {
      sendJson(res, 403, {
        error: {
          code: 403,
          message: `Permission denied on resource project ${project}.`,
          status: 'PERMISSION_DENIED',
        },
      });
      return;
    }
    const numericEnums = (req.query.get('$alt') ?? '').includes('enum-encoding=int');
    const start = Number.parseInt(req.query.get('pageToken') || '0', 10);
    if (route === 'list-locations') {
      const all = options.locations[project] ?? [];
      const page = all.slice(start, start + pageSize);
      sendJson(res, 200, {
        locations: page.map((id) => ({ name: `projects/${project}/locations/${id}`, locationId: id })),
        ...(start + pageSize < all.length ? { nextPageToken: String(start + pageSize) } : {}),
      });
      return;
    }
    const location = repositories?.[2] as string;
    const all = (options.repositories[project] ?? []).filter((repo) => repo.location === location);
    const page = all.slice(start, start + pageSize);
    sendJson(res, 200, {
      repositories: page.map((repo) => ({
        name: `projects/${project}/locations/${location}/repositories/${repo.id}`,
        format: numericEnums ? FORMAT_NUMBERS[repo.format] : repo.format,
        mode: numericEnums ? 1 : 'STANDARD_REPOSITORY',
      })),
      ...(start + pageSize < all.length ? { nextPageToken: String(start + pageSize) } : {}),
    });
  });

  return { origin: server.origin, calls, faults, requests, close: () => server.close() };
}
