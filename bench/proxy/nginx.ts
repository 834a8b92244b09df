import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { childPids } from './proc.ts';

export interface NginxInstance {
  readonly url: string;
  /** The single worker's pid (the process doing the work). */
  readonly workerPid: number;
  stop(): Promise<void>;
}

const COMMON = (dir: string) => `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_temp;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  keepalive_requests 1000000;
  types { }
  default_type application/octet-stream;
`;

/** The upstream "registry": static files behind a Basic check, like ECR's blob and manifest answers. */
export function upstreamConfig(
  dir: string,
  port: number,
  options: { auth: string; dataDir: string; manifestDigest: string },
): string {
  const check = `if ($http_authorization != "${options.auth}") { add_header WWW-Authenticate 'Basic realm="bench"' always; return 401; }`;
  return `${COMMON(dir)}
  sendfile on;
  tcp_nopush on;
  server {
    listen 127.0.0.1:${port};
    location = /v2/ { ${check} return 200 '{}'; }
    location = /v2/bench/app/manifests/1 {
      ${check}
      default_type application/vnd.oci.image.manifest.v1+json;
      add_header Docker-Content-Digest ${options.manifestDigest};
      alias ${options.dataDir}/manifest.json;
    }
    location ~ "^/v2/bench/app/blobs/sha256:([0-9a-f]{64})$" {
      ${check}
      add_header Docker-Content-Digest sha256:$1;
      alias ${options.dataDir}/blobs/$1;
    }
  }
}
`;
}

/** nginx as the registry auth proxy: `proxy_pass` with an injected Authorization header. */
export function proxyConfig(
  dir: string,
  port: number,
  options: { upstream: string; counting: string; auth: string; tuned: boolean },
): string {
  const tuning = options.tuned
    ? 'proxy_buffer_size 64k; proxy_buffers 8 64k; proxy_busy_buffers_size 128k; proxy_max_temp_file_size 0;'
    : '';
  return `${COMMON(dir)}
  upstream registry { server ${options.upstream}; keepalive 64; }
  upstream counting { server ${options.counting}; keepalive 8; }
  server {
    listen 127.0.0.1:${port};
    location /v2/ {
      proxy_pass http://registry;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "${options.auth}";
      ${tuning}
    }
    location /v2/slow/ {
      proxy_pass http://counting;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "${options.auth}";
      ${tuning}
    }
  }
}
`;
}

/** Runs nginx in the foreground with its own prefix, pid and logs in `dir`. */
export async function startNginx(dir: string, port: number, config: string): Promise<NginxInstance> {
  await mkdir(dir, { recursive: true });
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, config);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', confPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const workers = child.pid === undefined ? [] : childPids(child.pid);
    const up = await fetch(`${url}/v2/`).then(
      () => true,
      () => false,
    );
    if (up && workers.length > 0) {
      return {
        url,
        workerPid: workers[0]!,
        async stop() {
          if (child.exitCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGQUIT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not start: ${stderr}`);
}
