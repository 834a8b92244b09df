import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema } from '../../src/config/schema.ts';

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };

async function validate(doc: Doc): Promise<void> {
  const path = doc.apiVersion.includes('/') ? doc.apiVersion : `v1`;
  const module = (await import(`kubernetes-models/${path}/${doc.kind}`)) as Record<
    string,
    new (
      value: unknown,
    ) => { validate(): void }
  >;
  const Model = module[doc.kind] ?? module.default;
  if (!Model) throw new Error(`no model for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

describe.runIf(hasKubectl())('deploy/ kustomize overlays', () => {
  it.each(['deployment', 'cronjob'])('%s renders offline and every object is valid', async (overlay) => {
    const rendered = execFileSync('kubectl', ['kustomize', `deploy/overlays/${overlay}`], {
      encoding: 'utf8',
    });
    const docs = parseAllDocuments(rendered).map((d) => d.toJS() as Doc);
    for (const doc of docs) await validate(doc);
    const kinds = docs.map((d) => d.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ServiceAccount',
        'ClusterRole',
        'ClusterRoleBinding',
        'Role',
        'RoleBinding',
        'ConfigMap',
      ]),
    );
    expect(kinds).toContain(overlay === 'deployment' ? 'Deployment' : 'CronJob');
    const workload = JSON.stringify(docs.find((d) => d.kind === 'Deployment' || d.kind === 'CronJob'));
    expect(workload).toContain('"runAsNonRoot":true');
    expect(workload).toContain('"readOnlyRootFilesystem":true');
    // V8 would size its heap from the node's memory: the old space must be capped below the limit.
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(workload)?.[1]);
    const limitMi = Number(/"limits":\{"memory":"(\d+)Mi"\}/.exec(workload)?.[1]);
    expect(oldSpace).toBeGreaterThan(0);
    expect(limitMi - oldSpace).toBeGreaterThanOrEqual(128);
  });

  it('the shipped config is valid regcred config', () => {
    const config = configSchema.parse(parse(readFileSync('deploy/base/regcred.yaml', 'utf8')));
    expect(config.secrets[0]?.name).toBe('regcred');
  });

  it('RBAC grants nothing beyond what sync needs', () => {
    const role = parse(readFileSync('deploy/base/clusterrole.yaml', 'utf8')) as {
      rules: { resources: string[]; verbs: string[] }[];
    };
    const granted = Object.fromEntries(
      role.rules.map((r) => [r.resources.join(','), r.verbs.sort().join(',')]),
    );
    expect(granted).toEqual({
      namespaces: 'get,list,watch',
      secrets: 'create,delete,get,list,patch,update,watch',
      serviceaccounts: 'get,list,patch,watch',
      events: 'create,patch',
    });
  });

  it('the proxy overlay renders offline: a DaemonSet on the node loopback, no Kubernetes RBAC', async () => {
    const rendered = execFileSync('kubectl', ['kustomize', 'deploy/overlays/proxy'], { encoding: 'utf8' });
    const docs = parseAllDocuments(rendered).map((d) => d.toJS() as Doc);
    for (const doc of docs) await validate(doc);
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'DaemonSet', 'ServiceAccount']);
    const daemonSet = JSON.stringify(docs.find((d) => d.kind === 'DaemonSet'));
    expect(daemonSet).toContain('"hostNetwork":true');
    expect(daemonSet).toContain('"runAsNonRoot":true');
    expect(daemonSet).toContain('"readOnlyRootFilesystem":true');
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(daemonSet)?.[1]);
    const limitMi = Number(/"limits":\{"memory":"(\d+)Mi"\}/.exec(daemonSet)?.[1]);
    expect(limitMi - oldSpace).toBeGreaterThanOrEqual(128);
  });
});

describe('deploy/ files that need no cluster tools', () => {
  it('the proxy overlay ships a valid config that listens on loopback', () => {
    const config = configSchema.parse(parse(readFileSync('deploy/overlays/proxy/proxy.yaml', 'utf8')));
    expect(config.proxy?.listen).toBe('127.0.0.1:5000');
  });

  // An unknown V8 flag in NODE_OPTIONS stops Node before regcred starts (exit 9): the manifests' flags must
  // exist in the Node major the image ships (package.json's node, which runs these tests).
  const manifests = [
    'deploy/overlays/deployment/deployment.yaml',
    'deploy/overlays/cronjob/cronjob.yaml',
    'deploy/overlays/proxy/daemonset.yaml',
  ];
  it.each(manifests)('NODE_OPTIONS in %s are accepted by this Node', (file) => {
    const text = readFileSync(file, 'utf8');
    const options = /NODE_OPTIONS,?\s*(?:value:|\n\s*value:)\s*"([^"]+)"/.exec(text)?.[1];
    expect(options, `no NODE_OPTIONS value in ${file}`).toMatch(/^--/);
    const run = spawnSync(process.execPath, ['-e', '0'], {
      env: { ...process.env, NODE_OPTIONS: options },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
