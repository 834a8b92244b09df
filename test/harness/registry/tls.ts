import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked } from './run-command.ts';

/** A throwaway certificate authority for loopback TLS tests. */
export interface TestCa {
  certPath: string;
  keyPath: string;
  certPem: string;
  /** A directory holding only `ca.crt`: what skopeo's `--*-cert-dir` and containers/image expect. */
  certDir: string;
}

export interface ServerCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

/** Makes a CA (EC P-256, 1 day) in `dir`. Throws when openssl fails. */
export async function createTestCa(dir: string, commonName = 'regcred test CA'): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const keyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'ca.crt');
  await runChecked('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '1',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const certDir = join(dir, 'cert-dir');
  await mkdir(certDir, { recursive: true });
  const certPem = await readFile(certPath, 'utf8');
  await writeFile(join(certDir, 'ca.crt'), certPem);
  return { certPath, keyPath, certPem, certDir };
}

/** Issues a server certificate signed by `ca` for the given names (default IP:127.0.0.1, DNS:localhost). */
export async function issueServerCert(
  ca: TestCa,
  dir: string,
  options: { name?: string; ips?: readonly string[]; dnsNames?: readonly string[] } = {},
): Promise<ServerCert> {
  await mkdir(dir, { recursive: true });
  const name = options.name ?? 'server';
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.crt`);
  const extPath = join(dir, `${name}.ext`);
  const san = [
    ...(options.ips ?? ['127.0.0.1']).map((ip) => `IP:${ip}`),
    ...(options.dnsNames ?? ['localhost']).map((dns) => `DNS:${dns}`),
  ].join(',');
  await runChecked('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    csrPath,
    '-subj',
    `/CN=${options.dnsNames?.[0] ?? 'localhost'}`,
  ]);
  await writeFile(
    extPath,
    `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  await runChecked('openssl', [
    'x509',
    '-req',
    '-in',
    csrPath,
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-CAcreateserial',
    '-out',
    certPath,
    '-days',
    '1',
    '-extfile',
    extPath,
  ]);
  return {
    certPath,
    keyPath,
    certPem: await readFile(certPath, 'utf8'),
    keyPem: await readFile(keyPath, 'utf8'),
  };
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
