import type { SecretObject, ServiceAccountObject } from '../kube/types.ts';

/** Secrets by `namespace/name`: one lookup per namespace instead of a scan of the whole list. */
export function indexSecrets(items: readonly SecretObject[]): Map<string, SecretObject> {
  const index = new Map<string, SecretObject>();
  for (const secret of items) index.set(`${secret.metadata.namespace}/${secret.metadata.name}`, secret);
  return index;
}

/** ServiceAccounts grouped by namespace. */
export function indexServiceAccounts(
  items: readonly ServiceAccountObject[],
): Map<string, ServiceAccountObject[]> {
  const index = new Map<string, ServiceAccountObject[]>();
  for (const sa of items) {
    const ns = sa.metadata.namespace ?? '';
    let list = index.get(ns);
    if (!list) {
      list = [];
      index.set(ns, list);
    }
    list.push(sa);
  }
  return index;
}
