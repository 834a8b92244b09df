import type { LocalObjectReference, ServiceAccountObject } from '../kube/types.ts';
import { formatList, parseList, SA_ENTRIES_ANNOTATION } from './ownership.ts';

/**
 * A JSON merge patch for a ServiceAccount. It carries `metadata.resourceVersion`, which the API server
 * treats as a precondition (409 when the object changed since it was read), and the whole
 * imagePullSecrets list: other entries are kept as read, in order.
 */
export interface ServiceAccountPatch {
  metadata: { resourceVersion?: string; annotations: Record<string, string | null> };
  imagePullSecrets: LocalObjectReference[];
}

/** Does this target patch this ServiceAccount? `["*"]` means every one. */
export function wantsServiceAccount(serviceAccounts: readonly string[], name: string): boolean {
  return serviceAccounts.includes('*') || serviceAccounts.includes(name);
}

/** The patch appending `secretName`, or undefined when the entry is already there (whoever added it). */
export function planServiceAccountAdd(
  sa: ServiceAccountObject,
  secretName: string,
): ServiceAccountPatch | undefined {
  const current = sa.imagePullSecrets ?? [];
  if (current.some((ref) => ref.name === secretName)) return undefined;
  const ours = parseList(sa.metadata.annotations?.[SA_ENTRIES_ANNOTATION]);
  return {
    metadata: {
      ...(sa.metadata.resourceVersion === undefined ? {} : { resourceVersion: sa.metadata.resourceVersion }),
      annotations: { [SA_ENTRIES_ANNOTATION]: formatList([...ours, secretName]) },
    },
    imagePullSecrets: [...current, { name: secretName }],
  };
}

/** The patch removing `secretName`, only if regcred added it; undefined otherwise. */
export function planServiceAccountRemove(
  sa: ServiceAccountObject,
  secretName: string,
): ServiceAccountPatch | undefined {
  const ours = parseList(sa.metadata.annotations?.[SA_ENTRIES_ANNOTATION]);
  if (!ours.includes(secretName)) return undefined;
  const rest = ours.filter((name) => name !== secretName);
  return {
    metadata: {
      ...(sa.metadata.resourceVersion === undefined ? {} : { resourceVersion: sa.metadata.resourceVersion }),
      annotations: { [SA_ENTRIES_ANNOTATION]: rest.length === 0 ? null : formatList(rest) },
    },
    imagePullSecrets: (sa.imagePullSecrets ?? []).filter((ref) => ref.name !== secretName),
  };
}
