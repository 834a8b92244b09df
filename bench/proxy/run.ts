// Benchmark of the registry auth proxy against nginx, side by side in one run on loopback.
// `npm run bench:proxy` (Node 24; builds dist/ first: regcred runs as the compiled CLI, as users run it).
// Options: --quick (one round, shorter runs), --size-mib N (blob size), --node-flags "…" (V8/Node flags
// for the two Node proxies; default: the NODE_OPTIONS docs/proxy.md deploys, "" for Node's defaults).
// Needs nginx, curl, wrk and ab on PATH. Prints a markdown table; quote ratios, not absolute numbers.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { findFreePort } from '../../test/harness/registry/free-port.ts';
import { abHead, curlDownload, wrkGet } from './clients.ts';
import { startCountingUpstream } from './counting-upstream.ts';
import { type NginxInstance, proxyConfig, startNginx, upstreamConfig } from './nginx.ts';
import { cpuSeconds, peakRssBytes, rssBytes, sampleRss } from './proc.ts';
import { startRegcredCli } from './regcred-cli.ts';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const SIZE = Number(argv[argv.indexOf('--size-mib') + 1] ?? 1024) * 1024 * 1024 || 1024 ** 3;
const ROUNDS = QUICK ? 1 : 3;
/** NODE_OPTIONS of the proxy DaemonSet (deploy/overlays/proxy), which docs/proxy.md's examples repeat. */
const DEPLOYED_NODE_FLAGS = deployedNodeOptions();
const NODE_FLAGS = (
  argv.includes('--node-flags') ? (argv[argv.indexOf('--node-flags') + 1] ?? '') : DEPLOYED_NODE_FLAGS
)
  .split(' ')
  .filter(Boolean);
const LOAD_SECONDS = QUICK ? 3 : 5;
const HEAD_REQUESTS = QUICK ? 10_000 : 30_000;
const BLOB_HEX = 'c'.repeat(64);
const MANIFEST = '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}';
const MANIFEST_DIGEST = `sha256:${'d'.repeat(64)}`;
const AUTH = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
const ACCEPT = { accept: 'application/vnd.oci.image.manifest.v1+json' };

interface Target {
  name: string;
  url: string;
  /** `/v2/<repo>` on this target. */
  repo: string;
  slowRepo: string;
  headers: Record<string, string>;
  /** The process whose CPU and memory count (nginx worker, regcred process); undefined for direct. */
  pid: number | undefined;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
    : (sorted[Math.floor(mid)] ?? 0);
};
const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MiB`;
const log = (text: string) => process.stderr.write(`${text}\n`);

/** Starts a Node proxy child (`file` in this folder); resolves with the URL it prints. */
async function startNodeProxy(
  file: string,
  upstream: string,
  counting: string,
  flags: readonly string[] = [],
): Promise<{ url: string; pid: number; child: ChildProcess }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), file);
  const child = spawn(process.execPath, [...flags, script, upstream, counting, 'bench', 'bench-password'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}`)));
  });
  return { url: line.trim(), pid: child.pid!, child };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'regcred-bench-proxy-'));
  const stops: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  // Interrupted: still stop every nginx and the proxy (they would outlive us on a shared machine).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stopAll().then(() => process.exit(130));
    });
  }
  try {
    // nginx workers drop to `nobody` when started as root: they must be able to read the files.
    await chmod(dir, 0o755);
    const data = join(dir, 'data');
    await mkdir(join(data, 'blobs'), { recursive: true });
    // A sparse file: served from the page cache, so the disk never limits the upstream.
    await writeFile(join(data, 'blobs', BLOB_HEX), '');
    await truncate(join(data, 'blobs', BLOB_HEX), SIZE);
    await writeFile(join(data, 'manifest.json'), MANIFEST);
    const counting = await startCountingUpstream(SIZE);
    stops.push(() => counting.stop());
    const upPort = await findFreePort();
    const up = await startNginx(
      join(dir, 'up'),
      upPort,
      upstreamConfig(join(dir, 'up'), upPort, { auth: AUTH, dataDir: data, manifestDigest: MANIFEST_DIGEST }),
    );
    stops.push(() => up.stop());
    const upstreamHost = `127.0.0.1:${upPort}`;
    const nginxes: NginxInstance[] = [];
    for (const tuned of [false, true]) {
      const port = await findFreePort();
      const name = tuned ? 'nginx-tuned' : 'nginx-default';
      const instance = await startNginx(
        join(dir, name),
        port,
        proxyConfig(join(dir, name), port, {
          upstream: upstreamHost,
          counting: counting.host,
          auth: AUTH,
          tuned,
        }),
      );
      stops.push(() => instance.stop());
      nginxes.push(instance);
    }
    const regcred = await startRegcredCli({
      dir,
      upstream: upstreamHost,
      counting: counting.host,
      username: 'bench',
      password: 'bench-password',
      nodeFlags: NODE_FLAGS,
    });
    const rawNode = await startNodeProxy('raw-node-child.ts', upstreamHost, counting.host, NODE_FLAGS);
    for (const child of [regcred.child, rawNode.child]) {
      stops.push(async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      });
    }
    const targets: Target[] = [
      {
        name: 'direct (nginx static, the limit)',
        url: up.url,
        repo: '/v2/bench/app',
        slowRepo: '',
        headers: { authorization: AUTH },
        pid: undefined,
      },
      {
        name: 'nginx proxy_pass, default buffers',
        url: nginxes[0]!.url,
        repo: '/v2/bench/app',
        slowRepo: `/v2/slow/bench/app/blobs/sha256:${BLOB_HEX}`,
        headers: {},
        pid: nginxes[0]!.workerPid,
      },
      {
        name: 'nginx, 64k buffers, no temp file',
        url: nginxes[1]!.url,
        repo: '/v2/bench/app',
        slowRepo: `/v2/slow/bench/app/blobs/sha256:${BLOB_HEX}`,
        headers: {},
        pid: nginxes[1]!.workerPid,
      },
      {
        name: 'raw Node floor (no routing/auth)',
        url: rawNode.url,
        repo: '/v2/up/bench/app',
        slowRepo: `/v2/slow/bench/app/blobs/sha256:${BLOB_HEX}`,
        headers: {},
        pid: rawNode.pid,
      },
      {
        name: 'regcred proxy',
        url: regcred.url,
        repo: '/v2/up/bench/app',
        slowRepo: `/v2/slow/bench/app/blobs/sha256:${BLOB_HEX}`,
        headers: {},
        pid: regcred.pid,
      },
    ];
    const blobPath = (t: Target) => `${t.repo}/blobs/sha256:${BLOB_HEX}`;
    const manifestUrl = (t: Target) => `${t.url}${t.repo}/manifests/1`;
    const regcredIdleRss = rssBytes(regcred.pid);

    // 1. One blob at a time, interleaved rounds: throughput and the proxy's CPU seconds per GB. One
    // unmeasured pull first: a proxy on a node runs warm (JIT-compiled, pools open), so the runs should too.
    for (const t of targets) await curlDownload(`${t.url}${blobPath(t)}`, t.headers);
    const blob = new Map<string, { gbps: number[]; cpuPerGb: number[] }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const cpuBefore = t.pid ? cpuSeconds(t.pid) : 0;
        const result = await curlDownload(`${t.url}${blobPath(t)}`, t.headers);
        const cpu = t.pid ? cpuSeconds(t.pid) - cpuBefore : Number.NaN;
        if (result.status !== 200 || result.bytes !== SIZE)
          throw new Error(`${t.name}: blob got ${result.status}, ${result.bytes} bytes`);
        const entry = blob.get(t.name) ?? { gbps: [], cpuPerGb: [] };
        entry.gbps.push(result.bytes / result.seconds / 1e9);
        entry.cpuPerGb.push(cpu / (result.bytes / 1e9));
        blob.set(t.name, entry);
        log(`blob ${t.name}: ${fmt(result.bytes / result.seconds / 1e9)} GB/s, ${fmt(cpu)} CPU-s`);
      }
    }

    // 2. Manifest GET (wrk) and HEAD (ab -k -i; wrk hangs on HEAD), 32 connections.
    const manifest = new Map<
      string,
      { rps: number[]; p99: number[]; headRps: number[]; headP99: number[] }
    >();
    for (let round = 0; round < Math.min(ROUNDS, 2); round++) {
      for (const t of targets) {
        const headers = { ...t.headers, ...ACCEPT };
        await wrkGet(manifestUrl(t), headers, 1);
        const get = await wrkGet(manifestUrl(t), headers, LOAD_SECONDS);
        if (get.non2xx > 0 || get.rps === 0) throw new Error(`${t.name}: manifest GET failed: ${get.raw}`);
        const head = await abHead(manifestUrl(t), headers, HEAD_REQUESTS);
        if (head.failed > 0 || head.non2xx > 0 || head.rps === 0)
          throw new Error(`${t.name}: HEAD failed: ${head.raw}`);
        const entry = manifest.get(t.name) ?? { rps: [], p99: [], headRps: [], headP99: [] };
        entry.rps.push(get.rps);
        entry.p99.push(get.p99);
        entry.headRps.push(head.rps);
        entry.headP99.push(head.p99);
        manifest.set(t.name, entry);
        log(
          `manifest ${t.name}: GET ${fmt(get.rps, 0)} req/s p99 ${fmt(get.p99)} ms; HEAD ${fmt(head.rps, 0)} req/s p99 ${head.p99} ms`,
        );
      }
    }

    // 3. regcred memory: one pull, then 8 concurrent pulls.
    const rt = targets[4]!;
    let sampler = sampleRss(regcred.pid);
    await curlDownload(`${rt.url}${blobPath(rt)}`);
    const rssOne = sampler.stop();
    sampler = sampleRss(regcred.pid);
    const eight = await Promise.all(
      Array.from({ length: 8 }, () => curlDownload(`${rt.url}${blobPath(rt)}`)),
    );
    const rssEight = sampler.stop();
    if (eight.some((r) => r.bytes !== SIZE)) throw new Error('a concurrent pull came back short');
    log(`regcred RSS: idle ${mib(regcredIdleRss)}, 1 pull ${mib(rssOne)}, 8 pulls ${mib(rssEight)}`);

    // 4. Read-ahead of a 10 MB/s client: what the proxy took from upstream minus what the client got.
    const readAhead = new Map<string, number>();
    for (const t of targets.slice(1)) {
      const seconds = QUICK ? 2 : 4;
      const result = await curlDownload(`${t.url}${t.slowRepo}`, {}, [
        '--limit-rate',
        '10M',
        '-m',
        String(seconds),
      ]);
      const taken = counting.sent();
      readAhead.set(t.name, taken - result.bytes);
      log(`read-ahead ${t.name}: client ${mib(result.bytes)}, upstream sent ${mib(taken)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    // 5. Abort storm against regcred: clients hang up mid-blob, some before the answer.
    const storm = await abortStorm(`${rt.url}${blobPath(rt)}`, QUICK ? 100 : 300);
    const alive = regcred.child.exitCode === null;
    const after = alive ? await curlDownload(manifestUrl(rt), ACCEPT) : { status: 0 };
    const rssAfterStorm = alive ? rssBytes(regcred.pid) : Number.NaN;
    log(`abort storm: ${storm} aborted, alive ${alive}, manifest after ${after.status}`);

    // Report.
    const nginxDefault = targets[1]!.name;
    const blobMedian = (name: string) => median(blob.get(name)?.gbps ?? []);
    const lines: string[] = [];
    lines.push(
      `Blob ${mib(SIZE)}, ${ROUNDS} interleaved round(s), medians; manifest/HEAD at 32 connections, ${LOAD_SECONDS} s. Node proxies ran with ${NODE_FLAGS.length > 0 ? `\`${NODE_FLAGS.join(' ')}\`` : "Node's defaults"}; regcred is the compiled CLI with metrics on.`,
    );
    lines.push('');
    lines.push(
      '| target | blob GB/s | × nginx default | proxy CPU-s/GB | manifest GET req/s | × nginx | GET p99 ms | HEAD req/s | HEAD p99 ms | read ahead of 10 MB/s client |',
    );
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const t of targets) {
      const b = blob.get(t.name)!;
      const m = manifest.get(t.name)!;
      const nginxRps = median(manifest.get(nginxDefault)!.rps);
      lines.push(
        `| ${t.name} | ${fmt(blobMedian(t.name))} | ${fmt(blobMedian(t.name) / blobMedian(nginxDefault))} | ${t.pid ? fmt(median(b.cpuPerGb)) : '–'} | ${fmt(median(m.rps), 0)} | ${fmt(median(m.rps) / nginxRps)} | ${fmt(median(m.p99))} | ${fmt(median(m.headRps), 0)} | ${fmt(median(m.headP99), 0)} | ${readAhead.has(t.name) ? mib(readAhead.get(t.name)!) : '–'} |`,
      );
    }
    lines.push('');
    lines.push(
      `regcred RSS: idle ${mib(regcredIdleRss)}, peak during 1 pull ${mib(rssOne)}, peak during 8 concurrent pulls ${mib(rssEight)} (VmHWM ${mib(peakRssBytes(regcred.pid))}).`,
    );
    lines.push(
      `Abort storm: ${storm} clients hung up mid-blob; regcred ${alive ? 'survived' : 'CRASHED'}, manifest GET afterwards ${after.status}, RSS after ${mib(rssAfterStorm)}.`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopAll();
  }
}

/** `count` GETs, 32 at a time, each hung up after a random 0–8 MiB (a quarter before any byte). */
async function abortStorm(url: string, count: number): Promise<number> {
  const target = new URL(url);
  let aborted = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const limit = Math.random() < 0.25 ? 0 : Math.floor(Math.random() * 8 * 1024 * 1024);
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, agent: false },
        (res) => {
          let got = 0;
          res.on('data', (chunk: Buffer) => {
            got += chunk.length;
            if (got >= limit) req.destroy();
          });
          res.on('end', resolve);
        },
      );
      req.on('error', () => undefined);
      req.on('close', () => {
        aborted++;
        resolve();
      });
      req.end();
      if (limit === 0) setImmediate(() => req.destroy());
    });
  const worker = async () => {
    while (next < count) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return aborted;
}

await main();

function deployedNodeOptions(): string {
  const daemonSet = parse(
    readFileSync(new URL('../../deploy/overlays/proxy/daemonset.yaml', import.meta.url), 'utf8'),
  ) as { spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } };
  const env = daemonSet.spec.template.spec.containers[0]?.env ?? [];
  return env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}
