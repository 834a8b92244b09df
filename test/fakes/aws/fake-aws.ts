import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeAwsKey, verifySigV4 } from './sigv4.ts';
import { assumeRoleXml, stsErrorXml } from './sts-xml.ts';

export type FakeAwsService = 'ecr' | 'ecr-public' | 'sts';

/** A scripted failure for the next call of one service (consumed in order). */
export type Fault =
  /** 400 `ThrottlingException` (STS: `Throttling`), what AWS answers past the rate limit. */
  | { readonly kind: 'throttle' }
  /** 429 with a plain-text body, as a proxy or load balancer in between answers. */
  | { readonly kind: 'too-many-requests' }
  /** 5xx `ServerException` (default 500). */
  | { readonly kind: 'server-error'; readonly status?: number }
  /** Waits (real time) before answering normally: for timeouts and aborts. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Any AWS error code and status. */
  | { readonly kind: 'error'; readonly status: number; readonly code: string };

export interface RecordedCall {
  readonly service: FakeAwsService | 'pod-identity';
  readonly action: string;
  readonly status: number;
  readonly host: string;
  readonly accessKeyId?: string;
  readonly sessionToken?: string;
  /** Region of the SigV4 credential scope. */
  readonly region?: string;
  readonly errorCode?: string;
  /** STS form fields (RoleArn, ExternalId, RoleSessionName, DurationSeconds), no tokens. */
  readonly params: Readonly<Record<string, string>>;
}

export interface RoleTrust {
  /** AssumeRole must present this ExternalId. */
  readonly externalId?: string;
  /** AssumeRoleWithWebIdentity must present this token. */
  readonly webIdentityToken?: string;
}

export interface FakeAws {
  /** `http://127.0.0.1:PORT`: every service answers here (routed by target header or Action). */
  readonly url: string;
  readonly calls: RecordedCall[];
  callsTo(service: RecordedCall['service'], action?: string): RecordedCall[];
  addKey(key: FakeAwsKey): void;
  fail(service: FakeAwsService, ...faults: Fault[]): void;
  allowRole(roleArn: string, trust?: RoleTrust): void;
  /** `expiresAt` as ECR sends it; a function of now (ms). Defaults to epoch seconds with a fraction, 12 h on. */
  expiresAt: (now: number) => number | string;
  /** Pod Identity agent: the Authorization value it accepts at `/pod-identity`. */
  podIdentityToken: string;
  /** Forgets calls and unused faults, and restores the default `expiresAt`. */
  reset(): void;
  /** Every password, secret access key and session token handed out, for no-secret assertions. */
  issuedSecrets(): string[];
  readonly issuedPasswords: string[];
  close(): Promise<void>;
}

const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
const ECR_PUBLIC_TARGET = 'SpencerFrontendService.';
const JSON_11 = 'application/x-amz-json-1.1';
const TWELVE_HOURS_S = 12 * 60 * 60;
const defaultExpiresAt = (now: number) => Math.floor(now / 1000) + TWELVE_HOURS_S + 0.123;

/**
 * A loopback fake of ECR (AWS JSON 1.1), ECR Public and STS (query protocol) that checks SigV4
 * signatures against the keys it knows, as AWS does, and answers with AWS's wire shapes.
 */
export async function startFakeAws(): Promise<FakeAws> {
  const keys = new Map<string, FakeAwsKey>();
  const faults = new Map<FakeAwsService, Fault[]>([
    ['ecr', []],
    ['ecr-public', []],
    ['sts', []],
  ]);
  const roles = new Map<string, RoleTrust>();
  const calls: RecordedCall[] = [];
  const secrets: string[] = [];
  const passwords: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const issueTemporaryKey = (): Required<FakeAwsKey> => {
    const key = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `FwoGZXIvYXdzE${randomBytes(90).toString('base64')}`,
    };
    keys.set(key.accessKeyId, key);
    secrets.push(key.secretAccessKey, key.sessionToken);
    return key;
  };

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** Applies the next scripted fault; true when it already answered. */
  const applyFault = async (
    service: FakeAwsService,
    res: ServerResponse,
    record: (status: number, errorCode?: string) => void,
  ): Promise<boolean> => {
    const fault = faults.get(service)?.shift();
    if (fault === undefined) return false;
    const code = (c: string) => (service === 'sts' && c === 'ThrottlingException' ? 'Throttling' : c);
    switch (fault.kind) {
      case 'delay':
        await delay(fault.ms);
        return false;
      case 'throttle':
        sendError(service, res, 400, code('ThrottlingException'), 'Rate exceeded');
        record(400, code('ThrottlingException'));
        return true;
      case 'too-many-requests':
        res.writeHead(429, { 'content-type': 'text/plain' }).end('Too Many Requests');
        record(429);
        return true;
      case 'server-error': {
        const status = fault.status ?? 500;
        sendError(service, res, status, 'ServerException', 'Internal error');
        record(status, 'ServerException');
        return true;
      }
      case 'error':
        sendError(service, res, fault.status, fault.code, `scripted ${fault.code}`);
        record(fault.status, fault.code);
        return true;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const headers = lowerHeaders(req);
    const host = headers.host ?? '';
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);

    if (req.method === 'GET' && path === '/pod-identity') {
      const ok = headers.authorization === fake.podIdentityToken;
      calls.push({
        service: 'pod-identity',
        action: 'GetCredentials',
        status: ok ? 200 : 401,
        host,
        params: {},
      });
      if (!ok) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"unauthorized"}');
        return;
      }
      const key = issueTemporaryKey();
      const expiration = new Date(Date.now() + 60 * 60 * 1000).toISOString();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          AccessKeyId: key.accessKeyId,
          SecretAccessKey: key.secretAccessKey,
          Token: key.sessionToken,
          AccountId: '111122223333',
          Expiration: expiration,
        }),
      );
      return;
    }

    const target = headers['x-amz-target'] ?? '';
    const service: FakeAwsService | undefined = target.startsWith(ECR_TARGET)
      ? 'ecr'
      : target.startsWith(ECR_PUBLIC_TARGET)
        ? 'ecr-public'
        : (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
          ? 'sts'
          : undefined;
    if (req.method !== 'POST' || path !== '/' || service === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not an AWS API call');
      return;
    }
    const form = service === 'sts' ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : {};
    const action = service === 'sts' ? (form.Action ?? '') : target.slice(target.indexOf('.') + 1);
    const params: Record<string, string> = {};
    for (const name of ['RoleArn', 'ExternalId', 'RoleSessionName', 'DurationSeconds']) {
      const value = form[name];
      if (value !== undefined) params[name] = value;
    }
    const base = { service, action, host, params };
    const record = (status: number, extra: Partial<RecordedCall> = {}) =>
      calls.push({ ...base, status, ...extra });

    if (await applyFault(service, res, (status, errorCode) => record(status, errorCode ? { errorCode } : {})))
      return;

    if (service === 'sts' && action === 'AssumeRoleWithWebIdentity') {
      // Unsigned by design: the web identity token is the proof.
      const trust = roles.get(form.RoleArn ?? '');
      if (trust?.webIdentityToken === undefined || trust.webIdentityToken !== form.WebIdentityToken) {
        sendError(service, res, 400, 'InvalidIdentityToken', 'Incorrect token audience');
        record(400, { errorCode: 'InvalidIdentityToken' });
        return;
      }
      answerAssumeRole(res, action, form, issueTemporaryKey());
      record(200);
      return;
    }

    const verdict = await verifySigV4(
      { method: req.method, path, query, headers, body },
      (id) => keys.get(id),
      service === 'sts' ? 'sts' : service,
    );
    if (!verdict.ok) {
      const status = verdict.code === 'UnrecognizedClientException' && service === 'sts' ? 403 : 400;
      const code =
        service === 'sts' && verdict.code === 'UnrecognizedClientException'
          ? 'InvalidClientTokenId'
          : verdict.code;
      sendError(service, res, status, code, verdict.message);
      record(status, {
        errorCode: code,
        ...(verdict.accessKeyId ? { accessKeyId: verdict.accessKeyId } : {}),
      });
      return;
    }
    const signer = {
      accessKeyId: verdict.accessKeyId,
      region: verdict.region,
      ...(verdict.sessionToken === undefined ? {} : { sessionToken: verdict.sessionToken }),
    };

    if (service === 'sts') {
      if (action !== 'AssumeRole') {
        sendError(service, res, 400, 'InvalidAction', `unsupported action ${action}`);
        record(400, { ...signer, errorCode: 'InvalidAction' });
        return;
      }
      const trust = roles.get(form.RoleArn ?? '');
      if (trust === undefined || (trust.externalId !== undefined && trust.externalId !== form.ExternalId)) {
        sendError(service, res, 403, 'AccessDenied', 'User is not authorized to perform: sts:AssumeRole');
        record(403, { ...signer, errorCode: 'AccessDenied' });
        return;
      }
      answerAssumeRole(res, action, form, issueTemporaryKey());
      record(200, signer);
      return;
    }

    if (headers['content-type'] !== JSON_11 || action !== 'GetAuthorizationToken') {
      sendError(service, res, 400, 'UnknownOperationException', `unsupported ${action}`);
      record(400, { ...signer, errorCode: 'UnknownOperationException' });
      return;
    }
    const password = `eyJwYXlsb2FkIjoi${randomBytes(48).toString('base64url')}`;
    passwords.push(password);
    const data = {
      authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
      expiresAt: fake.expiresAt(Date.now()),
    };
    const answer =
      service === 'ecr'
        ? {
            authorizationData: [
              { ...data, proxyEndpoint: `https://fake.dkr.ecr.${verdict.region}.amazonaws.com` },
            ],
          }
        : { authorizationData: data };
    res
      .writeHead(200, { 'content-type': JSON_11, 'x-amzn-requestid': randomUUID() })
      .end(JSON.stringify(answer));
    record(200, signer);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake AWS bug: ${String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeAws = {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (service, action) =>
      calls.filter((c) => c.service === service && (action === undefined || c.action === action)),
    addKey: (key) => {
      keys.set(key.accessKeyId, key);
      secrets.push(key.secretAccessKey, ...(key.sessionToken ? [key.sessionToken] : []));
    },
    fail: (service, ...scripted) => faults.get(service)?.push(...scripted),
    allowRole: (roleArn, trust = {}) => roles.set(roleArn, trust),
    expiresAt: defaultExpiresAt,
    reset: () => {
      calls.length = 0;
      for (const queue of faults.values()) queue.length = 0;
      fake.expiresAt = defaultExpiresAt;
    },
    podIdentityToken: `pod-identity-${randomBytes(12).toString('hex')}`,
    issuedSecrets: () => [...secrets, ...passwords],
    issuedPasswords: passwords,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

function answerAssumeRole(
  res: ServerResponse,
  action: 'AssumeRole' | 'AssumeRoleWithWebIdentity',
  form: Record<string, string>,
  key: Required<FakeAwsKey>,
): void {
  const seconds = Number(form.DurationSeconds ?? 3600);
  const expiration = new Date(Date.now() + seconds * 1000);
  const roleArn = form.RoleArn ?? '';
  const assumed = roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/');
  const xml = assumeRoleXml(
    action,
    key,
    expiration,
    `${assumed}/${form.RoleSessionName ?? 'session'}`,
    randomUUID(),
  );
  res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
}

function sendError(
  service: FakeAwsService,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  const requestId = randomUUID();
  if (service === 'sts') {
    res
      .writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId })
      .end(stsErrorXml(code, message, requestId));
    return;
  }
  res
    .writeHead(status, {
      'content-type': JSON_11,
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazon.coral.service/`,
    })
    .end(JSON.stringify({ __type: code, message }));
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}
