import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.ts';
import { httpProbe } from './http-probe.ts';
import { runChecked } from './run-command.ts';
import { createTestCa, issueServerCert, type TestCa } from './tls.ts';
import { type StartTokenServerOptions, startTokenServer, type TokenServer } from './token-server.ts';

export interface RegistryUser {
  username: string;
  password: string;
}

export type RegistryAuthMode = 'none' | 'htpasswd' | 'token';

export interface StartRegistryOptions {
  auth: RegistryAuthMode;
  /** Serve https with a fresh test CA; the CA comes back as `caPem` / `caPath` / `certDir`. */
  tls?: boolean;
  /** htpasswd users, or token-server users when the harness starts the token server. Default: one random user. */
  users?: readonly RegistryUser[];
  /**
   * Token mode only. A running token server (the caller stops it), or options for one that the
   * harness starts (sharing the registry's CA when `tls`) and stops with the registry.
   */
  tokenServer?: TokenServer | Partial<StartTokenServerOptions>;
  /** distribution log level; default 'info'. */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Access log lines (one per request); default false, they cost CPU in benchmarks. */
  accessLog?: boolean;
}

/** A running `docker-registry serve` child process. */
export interface RegistryHandle {
  /** `127.0.0.1:PORT`: what goes in image references. */
  readonly host: string;
  readonly port: number;
  /** `http(s)://127.0.0.1:PORT`. */
  readonly url: string;
  readonly tls: boolean;
  /** PEM of the CA that signed the registry's certificate (tls only). */
  readonly caPem: string | undefined;
  readonly caPath: string | undefined;
  /** A directory with `ca.crt` only, for skopeo `--src-cert-dir` / `--dest-cert-dir` (tls only). */
  readonly certDir: string | undefined;
  readonly auth: RegistryAuthMode;
  readonly users: readonly RegistryUser[];
  /** Token mode: the token server in use. */
  readonly tokenServer: TokenServer | undefined;
  readonly dataDir: string;
  readonly configPath: string;
  /** Everything the registry wrote to stdout/stderr (capped at the last 1 MiB). */
  logs(): string;
  /** Kills the registry, stops a harness-started token server, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const PORT_ATTEMPTS = 5;
const LOG_CAP = 1 << 20;

/** Starts a real registry (distribution 2.8) on 127.0.0.1. Throws with its log when it does not come up. */
export async function startRegistry(options: StartRegistryOptions): Promise<RegistryHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'regcred-registry-'));
  const cleanups: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const users = options.users ?? [{ username: 'tester', password: randomBytes(12).toString('hex') }];
    const ca = options.tls ? await createTestCa(join(dir, 'ca')) : undefined;
    const auth: Record<string, unknown> = {};
    let tokenServer: TokenServer | undefined;
    if (options.auth === 'htpasswd') {
      const htpasswdPath = join(dir, 'htpasswd');
      await writeFile(htpasswdPath, await htpasswdLines(users));
      auth.htpasswd = { realm: 'basic-realm', path: htpasswdPath };
    } else if (options.auth === 'token') {
      tokenServer = await resolveTokenServer(options.tokenServer, users, ca, dir, cleanups);
      const bundlePath = join(dir, 'token-bundle.crt');
      await writeFile(bundlePath, tokenServer.signer.certPem);
      auth.token = {
        realm: tokenServer.realm,
        service: tokenServer.service,
        issuer: tokenServer.issuer,
        rootcertbundle: bundlePath,
      };
    }
    const tlsFiles = ca ? await issueServerCert(ca, join(dir, 'server')) : undefined;

    for (let attempt = 1; ; attempt += 1) {
      const port = await findFreePort();
      const config = {
        version: 0.1,
        log: { level: options.logLevel ?? 'info', accesslog: { disabled: !options.accessLog } },
        storage: { filesystem: { rootdirectory: dataDir }, delete: { enabled: true } },
        http: {
          addr: `127.0.0.1:${port}`,
          secret: 'regcred-test-only',
          ...(tlsFiles ? { tls: { certificate: tlsFiles.certPath, key: tlsFiles.keyPath } } : {}),
        },
        ...(options.auth === 'none' ? {} : { auth }),
      };
      const configPath = join(dir, 'config.yml');
      // JSON is YAML: no YAML writer needed.
      await writeFile(configPath, JSON.stringify(config, null, 2));
      const url = `${tlsFiles ? 'https' : 'http'}://127.0.0.1:${port}`;
      const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      const append = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.length > LOG_CAP) log = log.slice(-LOG_CAP);
      };
      child.stdout?.on('data', append);
      child.stderr?.on('data', append);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // A test process that dies without afterAll must not leave a registry behind.
      const killOnExit = () => child.kill('SIGKILL');
      process.once('exit', killOnExit);
      void exited.then(() => process.off('exit', killOnExit));
      const ready = await waitReady(url, ca?.certPem, exited);
      if (!ready) {
        await killChild(child, exited);
        if (/address already in use/i.test(log) && attempt < PORT_ATTEMPTS) continue;
        throw new Error(`docker-registry did not start (attempt ${attempt}):\n${log}`);
      }
      let stopped = false;
      return {
        host: `127.0.0.1:${port}`,
        port,
        url,
        tls: tlsFiles !== undefined,
        caPem: ca?.certPem,
        caPath: ca?.certPath,
        certDir: ca?.certDir,
        auth: options.auth,
        users,
        tokenServer,
        dataDir,
        configPath,
        logs: () => log,
        async stop() {
          if (stopped) return;
          stopped = true;
          await killChild(child, exited);
          await cleanup();
        },
      };
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function htpasswdLines(users: readonly RegistryUser[]): Promise<string> {
  const lines: string[] = [];
  for (const user of users) {
    // bcrypt only: registry 2.8 answers 401 for MD5/SHA entries.
    const { stdout } = await runChecked('htpasswd', ['-Bbn', user.username, user.password]);
    lines.push(stdout.trim());
  }
  return `${lines.join('\n')}\n`;
}

async function resolveTokenServer(
  given: StartRegistryOptions['tokenServer'],
  users: readonly RegistryUser[],
  ca: TestCa | undefined,
  dir: string,
  cleanups: (() => Promise<void>)[],
): Promise<TokenServer> {
  if (given && isTokenServer(given)) return given;
  const partial = given ?? {};
  let tls = partial.tls;
  if (tls === undefined && ca) {
    // Same CA as the registry, so one cert dir makes a client trust both.
    const cert = await issueServerCert(ca, join(dir, 'token-tls'), { name: 'token' });
    tls = { certPem: cert.certPem, keyPem: cert.keyPem, caPem: ca.certPem, certDir: ca.certDir };
  }
  const server = await startTokenServer({ ...partial, users: partial.users ?? users, tls });
  cleanups.push(() => server.stop());
  return server;
}

function isTokenServer(value: TokenServer | Partial<StartTokenServerOptions>): value is TokenServer {
  return 'realm' in value && 'stop' in value;
}

async function waitReady(
  url: string,
  ca: string | undefined,
  exited: Promise<number | null>,
): Promise<boolean> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 20_000;
  while (!gone && Date.now() < deadline) {
    try {
      const res = await httpProbe(`${url}/v2/`, { ca, timeoutMs: 1_000 });
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function killChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
