import { spawn } from 'node:child_process';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** curl a URL to /dev/null; bytes and seconds as curl measured them. */
export async function curlDownload(
  url: string,
  headers: Record<string, string> = {},
  extra: string[] = [],
): Promise<{ bytes: number; seconds: number; status: number }> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{size_download} %{time_total} %{http_code}', ...extra];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const result = await run('curl', [...args, url]);
  const [bytes = '0', seconds = '0', status = '0'] = result.stdout.trim().split(' ');
  return { bytes: Number(bytes), seconds: Number(seconds), status: Number(status) };
}

/** wrk GET: requests/s and p99 latency (ms). */
export async function wrkGet(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections = 32,
) {
  const args = ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const result = await run('wrk', [...args, url]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(result.stdout)?.[1] ?? 0);
  const p99 = toMs(/^\s+99%\s+([\d.]+)(us|ms|s)/m.exec(result.stdout));
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(result.stdout)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(result.stdout)?.[1];
  return { rps, p99, non2xx, errors, raw: result.stdout };
}

/** ab -k -i (HEAD): requests/s and p99 (ms). */
export async function abHead(
  url: string,
  headers: Record<string, string>,
  requests: number,
  connections = 32,
) {
  const args = ['-k', '-i', '-q', '-c', String(connections), '-n', String(requests)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  const result = await run('ab', [...args, url]);
  const rps = Number(/Requests per second:\s+([\d.]+)/.exec(result.stdout)?.[1] ?? 0);
  const p99 = Number(/^\s+99%\s+(\d+)/m.exec(result.stdout)?.[1] ?? Number.NaN);
  const failed = Number(/Failed requests:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(result.stdout)?.[1] ?? 0);
  return { rps, p99, failed, non2xx, raw: result.stdout };
}

function toMs(match: RegExpExecArray | null): number {
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}
