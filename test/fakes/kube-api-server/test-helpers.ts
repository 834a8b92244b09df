import { ApiException, CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { FakeKubeApiServer } from './index.ts';
import type { KubeObject } from './types.ts';

/** Real client-node clients pointed at the fake. */
export function clientsFor(server: Pick<FakeKubeApiServer, 'kubeconfigYaml'>): {
  kc: KubeConfig;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
} {
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  return { kc, core: kc.makeApiClient(CoreV1Api), coordination: kc.makeApiClient(CoordinationV1Api) };
}

export interface CaughtStatus {
  code: number;
  reason: string | undefined;
  message: string | undefined;
  details: Record<string, unknown> | undefined;
  headers: Record<string, string>;
}

/** Await a client call that must fail; return the HTTP code and the parsed Status body. */
export async function apiFailure(call: Promise<unknown>): Promise<CaughtStatus> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const status = JSON.parse(String(err.body)) as {
      reason?: string;
      message?: string;
      details?: Record<string, unknown>;
    };
    return {
      code: err.code,
      reason: status.reason,
      message: status.message,
      details: status.details,
      headers: err.headers as Record<string, string>,
    };
  }
  throw new Error('expected the call to fail');
}

export const namespace = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: labels ? { name, labels } : { name },
});

export const dockerSecret = (ns: string, name: string, auths: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/dockerconfigjson',
  metadata: { name, namespace: ns },
  data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
});

/** Wait until `predicate` holds, polling; fails after `ms` (a bound, not an assertion on speed). */
export async function eventually(predicate: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}
