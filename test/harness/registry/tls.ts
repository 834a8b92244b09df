import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestCa as createInMemoryCa, type TestCa as InMemoryCa } from '../../fakes/tls/test-ca.ts';

// The registry and skopeo read certificates from files; the PKI itself is test/fakes/tls's.

/** A throwaway certificate authority for loopback TLS tests, written to disk. */
export interface TestCa {
  certPath: string;
  certPem: string;
  /** A directory holding only `ca.crt`: what skopeo's `--*-cert-dir` and containers/image expect. */
  certDir: string;
  /** Signs server certificates. */
  issuer: InMemoryCa;
}

export interface ServerCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

/** Makes a CA (EC P-256) and writes its certificate into `dir`. Throws when openssl fails. */
export async function createTestCa(dir: string, commonName = 'regcred test CA'): Promise<TestCa> {
  const issuer = createInMemoryCa(commonName);
  const certDir = join(dir, 'cert-dir');
  await mkdir(certDir, { recursive: true });
  const certPath = join(dir, 'ca.crt');
  await writeFile(certPath, issuer.caPem);
  await writeFile(join(certDir, 'ca.crt'), issuer.caPem);
  return { certPath, certPem: issuer.caPem, certDir, issuer };
}

/** Issues a server certificate signed by `ca` for the given names (default IP:127.0.0.1, DNS:localhost). */
export async function issueServerCert(
  ca: TestCa,
  dir: string,
  options: { name?: string; ips?: readonly string[]; dnsNames?: readonly string[] } = {},
): Promise<ServerCert> {
  await mkdir(dir, { recursive: true });
  const name = options.name ?? 'server';
  const issued = ca.issuer.issue([...(options.dnsNames ?? ['localhost']), ...(options.ips ?? ['127.0.0.1'])]);
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  await writeFile(certPath, issued.certPem);
  await writeFile(keyPath, issued.keyPem, { mode: 0o600 });
  return { certPath, keyPath, certPem: issued.certPem, keyPem: issued.keyPem };
}

/** Certificate, key and the CA that signed them: what a loopback https server and its clients need. */
export interface ServerTlsMaterial {
  certPem: string;
  keyPem: string;
  caPem: string;
  /** A directory with only `ca.crt`, for skopeo `--*-cert-dir`. */
  certDir?: string;
}

/** A fresh CA and a server cert for 127.0.0.1/localhost, in `dir`. */
export async function createServerTls(dir: string, name: string): Promise<ServerTlsMaterial> {
  const ca = await createTestCa(join(dir, 'ca'), `regcred test ${name} CA`);
  const cert = await issueServerCert(ca, join(dir, 'cert'), { name });
  return { certPem: cert.certPem, keyPem: cert.keyPem, caPem: ca.certPem, certDir: ca.certDir };
}
