/**
 * How regcred marks what it owns. Labels select (the informer lists only managed Secrets); annotations
 * carry non-secret facts: which `auths` keys regcred wrote, their expiry and source.
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'regcred';
export const TARGET_LABEL = 'regcred.io/target';
/** Comma-separated `auths` keys regcred wrote; every other key in an adopted Secret belongs to users. */
export const REGISTRIES_ANNOTATION = 'regcred.io/registries';
/** Earliest expiry (RFC 3339) of the credentials in the Secret; absent when none expires. */
export const EXPIRES_AT_ANNOTATION = 'regcred.io/expires-at';
/** JSON list of `{key, registry, expiresAt, source}` per `auths` key: no secrets. */
export const CREDENTIALS_ANNOTATION = 'regcred.io/credentials';
/** Set when regcred took over a Secret it did not create (`adopt: true`). */
export const ADOPTED_ANNOTATION = 'regcred.io/adopted';
/** On a ServiceAccount: comma-separated imagePullSecrets names regcred appended (so prune removes only those). */
export const SA_ENTRIES_ANNOTATION = 'regcred.io/image-pull-secrets';

/** The label selector of every Secret regcred manages. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export interface ObjectMetaLike {
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

/** Owned by regcred for this target (a Secret of another target with the same name is not ours). */
export function isManagedBy(meta: ObjectMetaLike | undefined, target: string): boolean {
  return meta?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && meta.labels[TARGET_LABEL] === target;
}

export function isAdopted(meta: ObjectMetaLike | undefined): boolean {
  return meta?.annotations?.[ADOPTED_ANNOTATION] === 'true';
}

export function parseList(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function formatList(items: Iterable<string>): string {
  return [...new Set(items)].sort().join(',');
}
