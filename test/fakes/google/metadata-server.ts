import { randomBytes } from 'node:crypto';
import {
  applyFault,
  CallCounter,
  type Fault,
  FaultScript,
  listenLoopback,
  type RecordedRequest,
} from './http.ts';

export type MetadataRoute = 'instance' | 'project-id' | 'token' | 'email';

export interface FakeMetadataServerOptions {
  /** The server's clock (ms). Defaults to Date.now: tokens' `expires_in` is their remaining life. */
  readonly now?: () => number;
  /** Life of a freshly minted token, seconds (the real server says 3599 first). */
  readonly tokenLifetimeSeconds?: number;
  /** Mint a new token when the cached one has less than this left (seconds). */
  readonly rotateBeforeSeconds?: number;
  readonly email?: string;
  readonly projectId?: string;
  /** Answer without `Metadata-Flavor: Google` (a proxy or captive portal in the way). */
  readonly omitFlavor?: boolean;
}

export interface FakeMetadataServer {
  /** `127.0.0.1:PORT`, the GCE_METADATA_HOST value. */
  readonly host: string;
  readonly origin: string;
  readonly calls: CallCounter;
  readonly faults: FaultScript;
  /** Every request, for assertions on headers and query. */
  readonly requests: RecordedRequest[];
  /** Every access token handed out. */
  readonly issued: string[];
  /** Forget the cached token so the next call mints a new one. */
  rotate(): void;
  close(): Promise<void>;
}

const FLAVOR = { 'Metadata-Flavor': 'Google' };

/**
 * The GCE / GKE metadata server as google-auth-library and regcred see it: every answer carries
 * `Metadata-Flavor: Google`, requests without that header get 403, tokens are cached server-side and
 * `expires_in` counts down.
 */
export async function startFakeMetadataServer(
  options: FakeMetadataServerOptions = {},
): Promise<FakeMetadataServer> {
  const now = options.now ?? Date.now;
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  const rotateBefore = options.rotateBeforeSeconds ?? 300;
  const email = options.email ?? 'node-sa@demo-project.iam.gserviceaccount.com';
  const calls = new CallCounter();
  const faults = new FaultScript();
  const requests: RecordedRequest[] = [];
  const issued: string[] = [];
  let current: { token: string; expiresAt: number } | undefined;
  const flavor = options.omitFlavor ? {} : FLAVOR;

  const server = await listenLoopback((req, res) => {
    requests.push(req);
    const route = routeOf(req.path);
    if (route === undefined) {
      res.writeHead(404, { ...flavor, 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    calls.hit(route);
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403, { ...flavor, 'content-type': 'text/plain' });
      res.end('Missing required header "Metadata-Flavor": "Google"');
      return;
    }
    if (applyFault(faults.next(route), res, flavor)) return;
    const text = (body: string, type = 'application/text') => {
      res.writeHead(200, { ...flavor, 'content-type': type });
      res.end(body);
    };
    switch (route) {
      case 'instance':
        text('attributes/\nhostname\nid\nservice-accounts/\nzone\n');
        return;
      case 'project-id':
        text(options.projectId ?? 'demo-project');
        return;
      case 'email':
        text(email);
        return;
      case 'token': {
        const at = now();
        if (current === undefined || current.expiresAt - at < rotateBefore * 1000) {
          current = {
            token: `ya29.fake-md-${randomBytes(18).toString('base64url')}`,
            expiresAt: at + lifetime * 1000,
          };
          issued.push(current.token);
        }
        const remaining = Math.max(0, Math.floor((current.expiresAt - at) / 1000));
        text(
          JSON.stringify({ access_token: current.token, expires_in: remaining, token_type: 'Bearer' }),
          'application/json',
        );
        return;
      }
    }
  });

  return {
    host: `127.0.0.1:${server.port}`,
    origin: server.origin,
    calls,
    faults,
    requests,
    issued,
    rotate: () => {
      current = undefined;
    },
    close: () => server.close(),
  };
}

function routeOf(path: string): MetadataRoute | undefined {
  if (path === '/computeMetadata/v1/instance' || path === '/computeMetadata/v1/instance/') return 'instance';
  if (path === '/computeMetadata/v1/project/project-id') return 'project-id';
  if (/^\/computeMetadata\/v1\/instance\/service-accounts\/[^/]+\/token$/.test(path)) return 'token';
  if (/^\/computeMetadata\/v1\/instance\/service-accounts\/[^/]+\/email$/.test(path)) return 'email';
  return undefined;
}

export type { Fault };
