// The fake Kubernetes API server in its own process, so the benchmark's CPU and RSS figures are
// regcred's alone. Driven over IPC by bench/sync/run.ts.
import { startFakeKubeApiServer } from '../../test/fakes/kube-api-server/index.ts';

interface Command {
  id: number;
  op: 'stats' | 'reset' | 'addNamespaces' | 'delays' | 'close';
  names?: string[];
  secretName?: string;
}

const namespaces = Number(process.env.BENCH_NAMESPACES ?? 10_000);
const latencyMin = Number(process.env.BENCH_LATENCY_MIN_MS ?? 5);
const latencyMax = Number(process.env.BENCH_LATENCY_MAX_MS ?? 10);

const server = await startFakeKubeApiServer({
  latencyMs: (req) => (req.verb === 'watch' ? 0 : latencyMin + Math.random() * (latencyMax - latencyMin)),
  defaultServiceAccounts: false,
  historyLimit: 100_000,
  objects: Array.from({ length: namespaces }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: `ns-${String(i).padStart(5, '0')}`, labels: { team: `t${i % 20}` } },
  })),
});

const pending = new Map<string, number>();
const delays: number[] = [];
let secretName = 'regcred';
// Polls the store (in this process, no API call) for the moment each new namespace's Secret exists.
const poll = setInterval(() => {
  for (const [name, at] of pending) {
    if (server.store.get('secrets', name, secretName)) {
      delays.push(performance.now() - at);
      pending.delete(name);
    }
  }
}, 2);
poll.unref();

process.on('message', (raw) => {
  const command = raw as Command;
  const reply = (result: unknown) => process.send?.({ id: command.id, result });
  switch (command.op) {
    case 'stats': {
      const byVerb: Record<string, number> = {};
      for (const r of server.requests) {
        if (r.verb === 'watch') continue;
        const key = `${r.verb} ${r.resource}`;
        byVerb[key] = (byVerb[key] ?? 0) + 1;
      }
      const total = server.requests.filter((r) => r.verb !== 'watch').length;
      const writes = server.requests.filter((r) =>
        ['create', 'update', 'patch', 'delete'].includes(r.verb),
      ).length;
      reply({ total, writes, byVerb });
      return;
    }
    case 'reset':
      server.resetRequests();
      reply(null);
      return;
    case 'addNamespaces':
      secretName = command.secretName ?? secretName;
      for (const name of command.names ?? []) {
        pending.set(name, performance.now());
        server.store.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      }
      reply(null);
      return;
    case 'delays':
      reply({ delays: [...delays], missing: pending.size });
      return;
    case 'close':
      void server.close().then(() => {
        reply(null);
        process.exit(0);
      });
      return;
  }
});

process.send?.({ ready: true, kubeconfig: server.kubeconfigYaml('regcred-system') });
