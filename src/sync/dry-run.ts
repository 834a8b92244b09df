import { stringify } from 'yaml';
import type { KubeClient } from '../kube/kube-client.ts';
import type { SecretObject, ServiceAccountObject } from '../kube/types.ts';
import type { CredentialSet } from './credential-set.ts';
import { planSecret } from './desired-secret.ts';
import { toNamespaceInfo } from './full-sync.ts';
import { indexSecrets, indexServiceAccounts } from './object-index.ts';
import { planServiceAccountAdd, wantsServiceAccount } from './service-account-plan.ts';
import type { CompiledTarget } from './targets.ts';

export interface DryRunResult {
  /** Objects `kubectl apply -f -` can take: Secrets, and ServiceAccounts with their full new list. */
  readonly objects: (SecretObject | ServiceAccountObject)[];
  /** Human notes (what was skipped and why, offline ServiceAccount patches as kubectl commands). */
  readonly notes: string[];
  readonly counts: Record<string, number>;
}

/**
 * What `sync` would write, against the live cluster: only Secrets to create or update and the
 * ServiceAccounts whose imagePullSecrets would change (with their whole list, so apply appends rather than
 * replaces). No write is made.
 */
export async function planAgainstCluster(
  client: KubeClient,
  targets: readonly CompiledTarget[],
  credentials: CredentialSet,
  onlyNamespaces: readonly string[],
): Promise<DryRunResult> {
  // Same-named Secrets whoever owns them (one list per target), so foreign ones are reported without a GET each.
  const [namespaces, secrets, serviceAccounts] = await Promise.all([
    client.listNamespaces(),
    Promise.all(targets.map((t) => client.listSecrets({ fieldSelector: `metadata.name=${t.name}` }))).then(
      (lists) => ({
        items: lists.flatMap((list) => list.items),
      }),
    ),
    targets.some((t) => t.serviceAccounts.length > 0)
      ? client.listServiceAccounts()
      : Promise.resolve({ items: [], resourceVersion: '' }),
  ]);
  const objects: (SecretObject | ServiceAccountObject)[] = [];
  const notes: string[] = [];
  const counts: Record<string, number> = {};
  const namespaceInfos = namespaces.items.map(toNamespaceInfo);
  const secretIndex = indexSecrets(secrets.items);
  const saIndex = indexServiceAccounts(serviceAccounts.items);
  for (const target of targets) {
    const creds = credentials.forTarget(target.registries);
    for (const ns of namespaceInfos) {
      if (ns.terminating || !target.namespaces.matches(ns)) continue;
      if (onlyNamespaces.length > 0 && !onlyNamespaces.includes(ns.name)) continue;
      const existing = secretIndex.get(`${ns.name}/${target.name}`);
      const plan = planSecret({
        target: target.config,
        namespace: ns.name,
        entries: creds.entries,
        unavailableKeys: creds.unavailableKeys,
        existing,
      });
      counts[plan.action] = (counts[plan.action] ?? 0) + 1;
      if (plan.action === 'create' || plan.action === 'update') objects.push(plan.secret);
      else if (plan.action === 'foreign')
        notes.push(`${ns.name}/${target.name}: not managed by regcred, would be left alone`);
      else if (plan.action === 'type-mismatch')
        notes.push(`${ns.name}/${target.name}: has type ${plan.type}, cannot adopt`);
      if (plan.action === 'foreign' || plan.action === 'type-mismatch' || plan.action === 'no-credentials')
        continue;
      for (const sa of saIndex.get(ns.name) ?? []) {
        if (!wantsServiceAccount(target.serviceAccounts, sa.metadata.name)) continue;
        const patch = planServiceAccountAdd(sa, target.name);
        if (!patch) continue;
        objects.push({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: {
            name: sa.metadata.name,
            namespace: ns.name,
            ...(patch.metadata.resourceVersion ? { resourceVersion: patch.metadata.resourceVersion } : {}),
            annotations: {
              ...(sa.metadata.annotations ?? {}),
              ...(patch.metadata.annotations as Record<string, string>),
            },
          },
          imagePullSecrets: patch.imagePullSecrets,
        });
      }
    }
  }
  return { objects, notes, counts };
}

/**
 * Without a cluster: render every target for the namespaces named on the command line (or literally in
 * the config). ServiceAccount changes cannot be rendered as objects without reading the current list
 * (apply would replace it), so they come out as `kubectl patch` notes that append.
 */
export function planOffline(
  targets: readonly CompiledTarget[],
  credentials: CredentialSet,
  namespaces: readonly string[],
): DryRunResult {
  const objects: SecretObject[] = [];
  const notes: string[] = [];
  const counts: Record<string, number> = {};
  for (const target of targets) {
    const creds = credentials.forTarget(target.registries);
    const names = namespaces.length > 0 ? namespaces : target.namespaces.literalNames;
    for (const ns of names) {
      if (!target.namespaces.matchesName(ns)) continue;
      const plan = planSecret({
        target: target.config,
        namespace: ns,
        entries: creds.entries,
        unavailableKeys: creds.unavailableKeys,
        existing: undefined,
      });
      counts[plan.action] = (counts[plan.action] ?? 0) + 1;
      if (plan.action !== 'create') continue;
      objects.push(plan.secret);
      for (const sa of target.serviceAccounts) {
        if (sa === '*') {
          notes.push(
            `${ns}: every ServiceAccount would get imagePullSecret ${target.name} (needs the cluster to list them)`,
          );
          continue;
        }
        const patch = JSON.stringify([
          { op: 'add', path: '/imagePullSecrets/-', value: { name: target.name } },
        ]);
        notes.push(`kubectl -n ${ns} patch serviceaccount ${sa} --type=json -p '${patch}'`);
      }
    }
  }
  return { objects, notes, counts };
}

export function renderObjects(
  objects: readonly object[],
  format: 'yaml' | 'json',
  notes: readonly string[],
): string {
  if (format === 'json')
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  const header = notes.map((note) => `# ${note}\n`).join('');
  return header + objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join('');
}
