import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where client-node's `loadFromCluster(prefix)` looks, under the prefix. */
export const SERVICE_ACCOUNT_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Write the files a pod sees (token, ca.crt, namespace) under `prefix` and return the environment
 * variables that go with them. Only meaningful for an https fake: client-node picks https for any
 * port but 80/8080/8001.
 */
export function writeServiceAccountFiles(
  prefix: string,
  url: string,
  token: string,
  caPem: string,
  namespace: string,
): Record<'KUBERNETES_SERVICE_HOST' | 'KUBERNETES_SERVICE_PORT', string> {
  const dir = join(prefix, SERVICE_ACCOUNT_DIR);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'token'), token);
  writeFileSync(join(dir, 'ca.crt'), caPem);
  writeFileSync(join(dir, 'namespace'), namespace);
  const { hostname, port } = new URL(url);
  return { KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port };
}
