import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from './run-command.ts';

/** The algorithms registry 2.8 accepts that this harness offers (EdDSA, PS*, HS* are rejected there). */
export type JwtAlgorithm = 'ES256' | 'RS256';

/** One access entry of a distribution token: what `sub` may do on one repository. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: TokenAccess[];
}

/**
 * A signing key plus a self-signed certificate for it. The certificate goes into the registry's
 * `rootcertbundle` and into each token's `x5c` header, the simplest chain registry 2.8 verifies.
 */
export interface TokenSigner {
  readonly algorithm: JwtAlgorithm;
  readonly certPem: string;
  readonly certPath: string;
  sign(claims: TokenClaims): string;
}

/** Makes a key and certificate in `dir` with openssl. Throws when openssl fails. */
export async function createTokenSigner(
  dir: string,
  algorithm: JwtAlgorithm = 'ES256',
): Promise<TokenSigner> {
  await mkdir(dir, { recursive: true });
  const keyPath = join(dir, 'token-signer.key');
  const certPath = join(dir, 'token-signer.crt');
  const keyArgs =
    algorithm === 'ES256'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-newkey', 'rsa:2048'];
  await runChecked('openssl', [
    'req',
    '-x509',
    ...keyArgs,
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '1',
    '-subj',
    '/CN=regcred test token signer',
  ]);
  const certPem = await readFile(certPath, 'utf8');
  const privateKey = createPrivateKey(await readFile(keyPath, 'utf8'));
  const x5c = [pemToDerBase64(certPem)];
  return {
    algorithm,
    certPem,
    certPath,
    sign: (claims) => signJwt({ typ: 'JWT', alg: algorithm, x5c }, claims, privateKey, algorithm),
  };
}

export function signJwt(
  header: Record<string, unknown>,
  payload: object,
  key: KeyObject,
  algorithm: JwtAlgorithm,
): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // Registry 2.8 wants ECDSA signatures as raw r||s (JWS), not DER.
  const signature =
    algorithm === 'ES256'
      ? sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(signingInput), key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** Header and payload of a JWT, unverified: for assertions in tests. Throws on a malformed token. */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token.split('.');
  if (header === undefined || payload === undefined) throw new Error('not a JWT');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>,
  };
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function pemToDerBase64(pem: string): string {
  return pem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '')
    .trim();
}
