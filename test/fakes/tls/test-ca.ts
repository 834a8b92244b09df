import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A server certificate and its private key, both PEM. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A throwaway certificate authority for loopback TLS servers in tests. */
export interface TestCa {
  /** The CA certificate (PEM) clients must trust. */
  readonly caPem: string;
  /** Issues a server certificate for DNS names and/or IP addresses (`127.0.0.1`, `localhost`). */
  issue(hostnames: readonly string[]): IssuedCertificate;
}

/**
 * Creates a CA with the `openssl` CLI (Node can sign, but not build X.509 certificates). Keys are
 * P-256: fast to make, accepted by Node, curl and Go. Nothing stays on disk after each call.
 * Throws when openssl is missing or fails.
 */
export function createTestCa(commonName = 'regcred test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-test-ca-'));
  try {
    const caKey = join(dir, 'ca.key');
    const caCert = join(dir, 'ca.crt');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      caCert,
    ]);
    const caPem = readFileSync(caCert, 'utf8');
    const caKeyPem = readFileSync(caKey, 'utf8');
    return { caPem, issue: (hostnames) => issue(caPem, caKeyPem, hostnames) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function issue(caPem: string, caKeyPem: string, hostnames: readonly string[]): IssuedCertificate {
  if (hostnames.length === 0) throw new Error('createTestCa().issue needs at least one hostname');
  const dir = mkdtempSync(join(tmpdir(), 'regcred-test-cert-'));
  try {
    const files = {
      caCert: join(dir, 'ca.crt'),
      caKey: join(dir, 'ca.key'),
      key: join(dir, 'server.key'),
      csr: join(dir, 'server.csr'),
      cert: join(dir, 'server.crt'),
      ext: join(dir, 'server.ext'),
    };
    writeFileSync(files.caCert, caPem);
    writeFileSync(files.caKey, caKeyPem, { mode: 0o600 });
    const san = hostnames.map((name) => (isIP(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
    writeFileSync(
      files.ext,
      `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
    );
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', files.key]);
    openssl(['req', '-new', '-key', files.key, '-subj', `/CN=${hostnames[0]}`, '-out', files.csr]);
    openssl([
      'x509',
      '-req',
      '-in',
      files.csr,
      '-CA',
      files.caCert,
      '-CAkey',
      files.caKey,
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      files.ext,
      '-out',
      files.cert,
    ]);
    // PKCS#8 so every TLS stack (Node, Go, nginx) reads the key the same way.
    const keyPem = execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', files.key], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { certPem: readFileSync(files.cert, 'utf8'), keyPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
