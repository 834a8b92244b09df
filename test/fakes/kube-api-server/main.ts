/**
 * Run the fake as its own process, so a benchmark can measure the code under test (RSS, CPU) without
 * the fake's share. Prints one JSON line `{"url": …, "pid": …}` on stdout when listening; SIGTERM/SIGINT
 * close it. Control it through /__fake/ (control.ts) or spawnFakeKubeApiServer() (spawn.ts).
 *
 *   node test/fakes/kube-api-server/main.ts '{"latencyMs": 5, "namespaces": 10000}'
 *
 * The one argument is JSON: the scalar FakeKubeApiServerOptions plus `namespaces` (a count → ns-0…ns-N-1,
 * or a list of names) and `namespaceLabels` (labels put on each of those namespaces).
 */
import { startFakeKubeApiServer } from './index.ts';
import type { KubeObject } from './types.ts';

export interface MainOptions {
  latencyMs?: number;
  historyLimit?: number;
  bookmarkIntervalMs?: number;
  defaultServiceAccounts?: boolean;
  defaultServiceAccountDelayMs?: number;
  namespaceDeletionDelayMs?: number;
  token?: string;
  namespaces?: number | string[];
  namespaceLabels?: Record<string, string>;
}

const options = JSON.parse(process.argv[2] ?? '{}') as MainOptions;
const names =
  typeof options.namespaces === 'number'
    ? Array.from({ length: options.namespaces }, (_, i) => `ns-${i}`)
    : (options.namespaces ?? []);
const objects: KubeObject[] = names.map((name) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: options.namespaceLabels ? { name, labels: options.namespaceLabels } : { name },
}));
const { namespaces: _n, namespaceLabels: _l, ...serverOptions } = options;
const server = await startFakeKubeApiServer({ ...serverOptions, objects, controlApi: true });
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);

const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
