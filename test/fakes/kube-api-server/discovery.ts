import { RESOURCES } from './resources.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceList(apiVersion: string): Record<string, unknown> | undefined {
  const resources = RESOURCES.filter((r) => r.apiVersion === apiVersion);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersion,
    resources: resources.map((r) => ({
      name: r.resource,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.resource === 'namespaces' ? VERBS.filter((v) => v !== 'deletecollection') : VERBS,
      shortNames: r.shortNames.length > 0 ? r.shortNames : undefined,
    })),
  };
}

/** /api, /apis, /version and the per-group resource lists (what KubernetesObjectApi reads). */
export function discovery(path: string): Record<string, unknown> | undefined {
  if (path === '/version') {
    return {
      major: '1',
      minor: '34',
      gitVersion: 'v1.34.0-regcred-fake',
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2026-01-01T00:00:00Z',
      goVersion: 'go1.24.0',
      compiler: 'gc',
      platform: 'linux/amd64',
    };
  }
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
    };
  }
  if (path === '/apis') {
    const groups = [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.apiVersion))];
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((gv) => {
        const [name, version] = gv.split('/') as [string, string];
        const v = { groupVersion: gv, version };
        return { name, versions: [v], preferredVersion: v };
      }),
    };
  }
  if (path === '/api/v1') return resourceList('v1');
  if (path.startsWith('/apis/')) return resourceList(path.slice('/apis/'.length));
  return undefined;
}
