// Starts the real `regcred proxy` the way users run it: the compiled CLI from dist/ (`npm run build`), a
// YAML config with a static registry per upstream and the password in a file, metrics on their own port.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findFreePort } from '../../test/harness/registry/free-port.ts';
import { httpProbe } from '../../test/harness/registry/http-probe.ts';

const CLI = new URL('../../dist/src/cli/bin/regcred.js', import.meta.url);

export interface RegcredProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

export interface RegcredCliOptions {
  /** A folder for the config and password file. */
  readonly dir: string;
  /** `host:port` of the authenticating upstream (alias `up`) and of the counting one (alias `slow`). */
  readonly upstream: string;
  readonly counting: string;
  readonly username: string;
  readonly password: string;
  /** Node/V8 flags, as NODE_OPTIONS would carry them. */
  readonly nodeFlags: readonly string[];
}

export async function startRegcredCli(options: RegcredCliOptions): Promise<RegcredProcess> {
  await access(CLI).catch(() => {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench:proxy does)');
  });
  await writeFile(join(options.dir, 'password'), options.password, { mode: 0o600 });
  const config = join(options.dir, 'regcred.yaml');
  await writeFile(
    config,
    [
      'registries:',
      ...[
        ['up', options.upstream],
        ['slow', options.counting],
      ].flatMap(([name, host]) => [
        '  - provider: static',
        `    name: ${name}`,
        `    hosts: ["${host}"]`,
        `    username: ${options.username}`,
        '    passwordFile: password',
      ]),
      'proxy:',
      '  upstreams:',
      `    - { alias: up, registry: "${options.upstream}", insecure: true }`,
      `    - { alias: slow, registry: "${options.counting}", insecure: true }`,
      '',
    ].join('\n'),
  );
  const port = await findFreePort();
  const metricsPort = await findFreePort();
  const child = spawn(
    process.execPath,
    [
      ...options.nodeFlags,
      CLI.pathname,
      'proxy',
      '--config',
      config,
      '--listen',
      `127.0.0.1:${port}`,
      '--metrics-listen',
      `127.0.0.1:${metricsPort}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`regcred proxy exited ${code} before listening`))),
  );
  exited.catch(() => undefined);
  for (let attempt = 0; ; attempt++) {
    const ping = await httpProbe(`${url}/v2/`, { timeoutMs: 1_000 }).catch(() => undefined);
    if (ping?.status === 200) break;
    if (attempt > 100) {
      child.kill('SIGKILL');
      throw new Error('regcred proxy did not start listening in 10 s');
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), exited]);
  }
  return { url, pid: child.pid!, child };
}
