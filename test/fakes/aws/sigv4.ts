import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** Keys the fake AWS knows: long-term (`AKIA…`) or temporary (`ASIA…` with a session token). */
export interface FakeAwsKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface IncomingSignedRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query string without `?`. */
  readonly query: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export type SigV4Verdict =
  | {
      readonly ok: true;
      readonly accessKeyId: string;
      readonly region: string;
      readonly service: string;
      readonly sessionToken: string | undefined;
    }
  | {
      readonly ok: false;
      /** The AWS error code a real endpoint answers with. */
      readonly code:
        | 'MissingAuthenticationTokenException'
        | 'IncompleteSignatureException'
        | 'UnrecognizedClientException'
        | 'InvalidSignatureException';
      readonly message: string;
      readonly accessKeyId?: string;
    };

class NodeSha256 {
  readonly #hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : toBuffer(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(typeof data === 'string' ? data : toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    // One hash per instance in the signer's use.
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(new Uint8Array(data));
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Recomputes the SigV4 signature of a request with the key it names, as AWS does, and answers with
 * the error code AWS would send. Catches signing bugs (wrong region, service, headers, body, token).
 */
export async function verifySigV4(
  request: IncomingSignedRequest,
  lookup: (accessKeyId: string) => FakeAwsKey | undefined,
  expectedService: string,
): Promise<SigV4Verdict> {
  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    return {
      ok: false,
      code: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    };
  }
  const match = AUTH_PATTERN.exec(authorization);
  if (!match) {
    return { ok: false, code: 'IncompleteSignatureException', message: 'Authorization header is malformed' };
  }
  const [, accessKeyId = '', , region = '', service = '', signedHeaders = '', signature = ''] = match;
  const key = lookup(accessKeyId);
  const presentedToken = request.headers['x-amz-security-token'];
  if (key === undefined || key.sessionToken !== presentedToken) {
    return {
      ok: false,
      code: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      accessKeyId,
    };
  }
  if (service !== expectedService) {
    return {
      ok: false,
      code: 'InvalidSignatureException',
      message: `Credential should be scoped to correct service: '${expectedService}'.`,
      accessKeyId,
    };
  }
  const amzDate = request.headers['x-amz-date'];
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return { ok: false, code: 'IncompleteSignatureException', message: 'X-Amz-Date is missing or malformed' };
  }
  const names = signedHeaders.split(';');
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const [hostname = '', port] = (request.headers.host ?? '').split(':');
  const signer = new SignatureV4({
    credentials: key,
    region,
    service,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname,
      ...(port === undefined ? {} : { port: Number(port) }),
      path: request.path,
      query: parseQuery(request.query),
      headers,
      body: request.body.length === 0 ? undefined : request.body,
    },
    { signingDate: parseAmzDate(amzDate), signableHeaders: new Set(names) },
  );
  const expected = signed.headers.authorization ?? '';
  if (!expected.endsWith(`Signature=${signature}`) || !expected.includes(`SignedHeaders=${signedHeaders},`)) {
    return {
      ok: false,
      code: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      accessKeyId,
    };
  }
  return { ok: true, accessKeyId, region, service, sessionToken: presentedToken };
}

function parseAmzDate(value: string): Date {
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}T${value.slice(9, 11)}:${value.slice(11, 13)}:${value.slice(13, 15)}Z`;
  return new Date(iso);
}

function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
