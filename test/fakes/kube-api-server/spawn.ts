import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RequestStats } from './control.ts';
import { kubeconfigFor } from './kubeconfig.ts';
import type { MainOptions } from './main.ts';
import type { FaultRule, KubeObject, RecordedRequest } from './types.ts';

/** A fake running in a child process (see main.ts), driven over its /__fake/ control API. */
export interface SpawnedFakeKubeApiServer {
  readonly url: string;
  readonly pid: number;
  kubeconfigYaml(namespace?: string): string;
  stats(): Promise<RequestStats>;
  requests(): Promise<RecordedRequest[]>;
  resetRequests(): Promise<void>;
  put(objects: KubeObject | KubeObject[]): Promise<void>;
  delete(resource: string, namespace: string | undefined, name: string): Promise<void>;
  addFault(rule: FaultRule): Promise<void>;
  clearFaults(): Promise<void>;
  compact(): Promise<void>;
  dropWatches(): Promise<void>;
  /** SIGTERM, then wait for the exit. */
  close(): Promise<void>;
}

/**
 * Start main.ts with the Node binary running this process. Throws if the child exits or prints
 * something unexpected before it listens.
 */
export async function spawnFakeKubeApiServer(options: MainOptions = {}): Promise<SpawnedFakeKubeApiServer> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [main, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    once(child, 'exit').then(([code]) => {
      throw new Error(`fake kube API server exited with ${String(code)} before listening`);
    }),
  ]);
  lines.close();
  const { url, pid } = JSON.parse(first) as { url: string; pid: number };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}/__fake/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed: unknown = await res.json();
    if (!res.ok) throw new Error(`fake control ${method} ${path}: ${JSON.stringify(parsed)}`);
    return parsed;
  };
  const exited = once(child, 'exit');
  return {
    url,
    pid,
    kubeconfigYaml: (namespace) => kubeconfigFor(url, options.token ?? 'fake-token', undefined, namespace),
    stats: async () => (await call('GET', 'stats')) as RequestStats,
    requests: async () => (await call('GET', 'requests')) as RecordedRequest[],
    resetRequests: async () => void (await call('POST', 'reset-requests')),
    put: async (objects) => void (await call('POST', 'objects', objects)),
    delete: async (resource, namespace, name) =>
      void (await call(
        'DELETE',
        `objects/${resource}/${encodeURIComponent(namespace ?? '-')}/${encodeURIComponent(name)}`,
      )),
    addFault: async (rule) => void (await call('POST', 'faults', rule)),
    clearFaults: async () => void (await call('DELETE', 'faults')),
    compact: async () => void (await call('POST', 'compact')),
    dropWatches: async () => void (await call('POST', 'drop-watches')),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
