/** The resources the fake serves, with the facts the real API server publishes for them. */
export interface ResourceInfo {
  group: string;
  version: string;
  /** Plural, as in the URL. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Store key: the plural, or 'plural.group' outside core. */
  key: string;
  apiVersion: string;
  /** Whether PUT of a missing object creates it (the real strategy's AllowCreateOnUpdate). */
  createOnUpdate: boolean;
  /** Whether PUT may omit metadata.resourceVersion (the real strategy's AllowUnconditionalUpdate). */
  unconditionalUpdate: boolean;
  shortNames: string[];
}

function info(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  createOnUpdate: boolean,
  unconditionalUpdate: boolean,
  shortNames: string[] = [],
): ResourceInfo {
  return {
    group,
    version,
    resource,
    kind,
    namespaced,
    key: group === '' ? resource : `${resource}.${group}`,
    apiVersion: group === '' ? version : `${group}/${version}`,
    createOnUpdate,
    unconditionalUpdate,
    shortNames,
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  info('', 'v1', 'namespaces', 'Namespace', false, false, true, ['ns']),
  info('', 'v1', 'secrets', 'Secret', true, false, true),
  info('', 'v1', 'serviceaccounts', 'ServiceAccount', true, false, true, ['sa']),
  info('', 'v1', 'configmaps', 'ConfigMap', true, false, true, ['cm']),
  info('', 'v1', 'events', 'Event', true, true, true, ['ev']),
  info('events.k8s.io', 'v1', 'events', 'Event', true, true, true, ['ev']),
  // Leases: PUT may create, but an update must carry resourceVersion (leader election depends on it).
  info('coordination.k8s.io', 'v1', 'leases', 'Lease', true, true, false),
];

const byKey = new Map(RESOURCES.map((r) => [r.key, r]));
const byPath = new Map(RESOURCES.map((r) => [`${r.apiVersion}/${r.resource}`, r]));
const byKind = new Map(RESOURCES.map((r) => [`${r.apiVersion}/${r.kind}`, r]));

/** Resolve 'secrets', 'leases', 'leases.coordination.k8s.io', 'events.events.k8s.io'. */
export function resourceByName(name: string): ResourceInfo | undefined {
  const exact = byKey.get(name);
  if (exact) return exact;
  return RESOURCES.find((r) => r.resource === name);
}

export function resourceByPath(apiVersion: string, plural: string): ResourceInfo | undefined {
  return byPath.get(`${apiVersion}/${plural}`);
}

export function resourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return byKind.get(`${apiVersion}/${kind}`);
}
