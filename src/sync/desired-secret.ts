import type { SecretObject } from '../kube/types.ts';
import { DOCKER_CONFIG_JSON_KEY, DOCKER_CONFIG_JSON_TYPE } from '../kube/types.ts';
import {
  type AuthEntry,
  type DockerAuth,
  type DockerConfigJson,
  decodeDockerConfig,
  encodeDockerConfig,
  sameDockerConfig,
  toDockerAuth,
} from './docker-config.ts';
import {
  ADOPTED_ANNOTATION,
  CREDENTIALS_ANNOTATION,
  EXPIRES_AT_ANNOTATION,
  formatList,
  isAdopted,
  isManagedBy,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  parseList,
  REGISTRIES_ANNOTATION,
  TARGET_LABEL,
} from './ownership.ts';

/** Non-secret facts about one `auths` key, kept in the `regcred.io/credentials` annotation. */
export interface AuthMeta {
  key: string;
  registry: string;
  expiresAt: string | null;
  source?: string;
}

export interface SecretPlanInput {
  readonly target: { readonly name: string; readonly adopt: boolean; readonly prune: boolean };
  readonly namespace: string;
  /** The credentials this target carries, fresh from the credential source. */
  readonly entries: readonly AuthEntry[];
  /** Keys whose registry could not be fetched this round: what the Secret already holds for them stays. */
  readonly unavailableKeys: ReadonlySet<string>;
  readonly existing: SecretObject | undefined;
  /**
   * Leave an entry of the same identity (username, source, registry) in place while it has more than
   * `minRemainingFraction × candidate lifetime + marginMs` left, so a restart or a CronJob run does not
   * rewrite every Secret with an equally good token. Callers pick the numbers so the written credential
   * always outlives the next scheduled write (docs/decisions/2026-11-28-secret-writes.md).
   */
  readonly keepFresh?: KeepFresh;
}

export interface KeepFresh {
  readonly minRemainingFraction: number;
  readonly marginMs: number;
  readonly now: number;
}

export type SecretPlan =
  | { readonly action: 'create'; readonly secret: SecretObject; readonly adopted: false }
  | {
      readonly action: 'update';
      readonly secret: SecretObject;
      readonly adopted: boolean;
      readonly changed: string[];
    }
  | { readonly action: 'unchanged' }
  /** A Secret of that name exists and is not ours (or belongs to another target). Left alone. */
  | { readonly action: 'foreign'; readonly otherTarget?: string }
  /** The existing Secret has another type, which is immutable. */
  | { readonly action: 'type-mismatch'; readonly type: string }
  /** No credential is available and nothing exists yet: never create an empty Secret. */
  | { readonly action: 'no-credentials' };

/**
 * What the Secret `target.name` in `namespace` must look like, and whether writing is needed. Pure.
 * Rules: regcred owns only the `auths` keys it lists in `regcred.io/registries`; an adopted Secret keeps
 * every other key; a key whose registry failed keeps its current value; an existing value with a later
 * expiry than the candidate is kept (never write an older credential over a newer one).
 */
export function planSecret(input: SecretPlanInput): SecretPlan {
  const { target, namespace, existing } = input;
  let current: DockerConfigJson = { auths: {} };
  let previouslyOwned: string[] = [];
  let keepUserEntries = false;
  const currentMeta = new Map<string, AuthMeta>();

  if (existing !== undefined) {
    const managed = isManagedBy(existing.metadata, target.name);
    if (!managed) {
      const other = existing.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
      if (other || !target.adopt) {
        const otherTarget = other ? existing.metadata.labels?.[TARGET_LABEL] : undefined;
        return otherTarget === undefined ? { action: 'foreign' } : { action: 'foreign', otherTarget };
      }
    }
    const type = existing.type ?? 'Opaque';
    if (type !== DOCKER_CONFIG_JSON_TYPE) return { action: 'type-mismatch', type };
    current = decodeDockerConfig(existing.data?.[DOCKER_CONFIG_JSON_KEY]) ?? { auths: {} };
    previouslyOwned = managed ? parseList(existing.metadata.annotations?.[REGISTRIES_ANNOTATION]) : [];
    keepUserEntries = managed ? isAdopted(existing.metadata) : true;
    if (managed)
      for (const meta of parseMeta(existing.metadata.annotations?.[CREDENTIALS_ANNOTATION]))
        currentMeta.set(meta.key, meta);
  }

  const auths: Record<string, DockerAuth> = {};
  const metas: AuthMeta[] = [];
  const owned = new Set<string>();
  const keepCurrent = (key: string): boolean => {
    const auth = current.auths[key];
    if (auth === undefined || !previouslyOwned.includes(key)) return false;
    auths[key] = auth;
    const meta = currentMeta.get(key);
    if (meta) metas.push(meta);
    owned.add(key);
    return true;
  };

  for (const entry of input.entries) {
    if (owned.has(entry.key)) continue;
    const meta = currentMeta.get(entry.key);
    if (meta && isLater(meta.expiresAt, entry.credential.expiresAt) && keepCurrent(entry.key)) continue;
    if (
      meta &&
      input.keepFresh &&
      stillFresh(meta, current.auths[entry.key], entry, input.keepFresh) &&
      keepCurrent(entry.key)
    )
      continue;
    auths[entry.key] = toDockerAuth(entry.credential);
    metas.push({
      key: entry.key,
      registry: entry.registry,
      expiresAt: entry.credential.expiresAt?.toISOString() ?? null,
      ...(entry.credential.source === undefined ? {} : { source: entry.credential.source }),
    });
    owned.add(entry.key);
  }
  for (const key of input.unavailableKeys) if (!owned.has(key)) keepCurrent(key);
  // A registry that left the config: its entry goes only when the target prunes.
  if (!target.prune) for (const key of previouslyOwned) if (!owned.has(key)) keepCurrent(key);
  if (keepUserEntries) {
    for (const [key, auth] of Object.entries(current.auths)) {
      if (!owned.has(key) && !previouslyOwned.includes(key)) auths[key] = auth;
    }
  }

  if (owned.size === 0 && existing === undefined) return { action: 'no-credentials' };

  const dockerConfig: DockerConfigJson = { ...current, auths };
  metas.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const annotations: Record<string, string> = withoutOwnAnnotations(existing?.metadata.annotations);
  annotations[REGISTRIES_ANNOTATION] = formatList(owned);
  annotations[CREDENTIALS_ANNOTATION] = JSON.stringify(metas);
  const earliest = earliestExpiry(metas);
  if (earliest !== undefined) annotations[EXPIRES_AT_ANNOTATION] = earliest;
  if (keepUserEntries) annotations[ADOPTED_ANNOTATION] = 'true';
  const labels: Record<string, string> = {
    ...(existing?.metadata.labels ?? {}),
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [TARGET_LABEL]: target.name,
  };

  const secret: SecretObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: target.name,
      namespace,
      labels,
      annotations,
      ...(existing?.metadata.resourceVersion === undefined
        ? {}
        : { resourceVersion: existing.metadata.resourceVersion }),
    },
    type: DOCKER_CONFIG_JSON_TYPE,
    data: { ...(existing?.data ?? {}), [DOCKER_CONFIG_JSON_KEY]: encodeDockerConfig(dockerConfig) },
  };
  if (existing === undefined) return { action: 'create', secret, adopted: false };

  const changed: string[] = [];
  // Byte-equal (what regcred wrote itself, the usual case) needs no decoding; otherwise compare the content.
  const written = existing.data?.[DOCKER_CONFIG_JSON_KEY];
  if (
    written !== secret.data?.[DOCKER_CONFIG_JSON_KEY] &&
    !sameDockerConfig(decodeDockerConfig(written), dockerConfig)
  )
    changed.push('auths');
  if (!sameRecord(existing.metadata.labels, labels)) changed.push('labels');
  if (!sameRecord(existing.metadata.annotations, annotations)) changed.push('annotations');
  if (changed.length === 0) return { action: 'unchanged' };
  return { action: 'update', secret, adopted: !isManagedBy(existing.metadata, target.name), changed };
}

/**
 * The Secret with regcred's keys, labels and annotations removed (prune of an adopted Secret):
 * undefined when nothing of the users' is left and the Secret should be deleted.
 */
export function releaseSecret(existing: SecretObject): SecretObject | undefined {
  if (!isAdopted(existing.metadata)) return undefined;
  const current = decodeDockerConfig(existing.data?.[DOCKER_CONFIG_JSON_KEY]) ?? { auths: {} };
  const owned = new Set(parseList(existing.metadata.annotations?.[REGISTRIES_ANNOTATION]));
  const auths = Object.fromEntries(Object.entries(current.auths).filter(([key]) => !owned.has(key)));
  if (Object.keys(auths).length === 0) return undefined;
  const labels = { ...(existing.metadata.labels ?? {}) };
  delete labels[MANAGED_BY_LABEL];
  delete labels[TARGET_LABEL];
  return {
    ...existing,
    metadata: {
      ...existing.metadata,
      labels,
      annotations: withoutOwnAnnotations(existing.metadata.annotations),
    },
    data: { ...(existing.data ?? {}), [DOCKER_CONFIG_JSON_KEY]: encodeDockerConfig({ ...current, auths }) },
  };
}

const OWN_ANNOTATIONS = [
  REGISTRIES_ANNOTATION,
  CREDENTIALS_ANNOTATION,
  EXPIRES_AT_ANNOTATION,
  ADOPTED_ANNOTATION,
];

function withoutOwnAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = { ...(annotations ?? {}) };
  for (const key of OWN_ANNOTATIONS) delete out[key];
  return out;
}

function parseMeta(text: string | undefined): AuthMeta[] {
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (item): item is AuthMeta =>
        item !== null &&
        typeof item === 'object' &&
        typeof (item as AuthMeta).key === 'string' &&
        (typeof (item as AuthMeta).expiresAt === 'string' || (item as AuthMeta).expiresAt === null),
    );
  } catch {
    return [];
  }
}

/** Is the written expiry later than the candidate's? (A long-lived candidate is never "older".) */
function isLater(written: string | null, candidate: Date | null): boolean {
  if (written === null || candidate === null) return false;
  const time = Date.parse(written);
  return Number.isFinite(time) && time > candidate.getTime();
}

function stillFresh(
  meta: AuthMeta,
  auth: DockerAuth | undefined,
  entry: AuthEntry,
  keep: KeepFresh,
): boolean {
  const candidate = entry.credential;
  if (auth === undefined || meta.expiresAt === null || candidate.expiresAt === null) return false;
  if (
    auth.username !== candidate.username ||
    meta.source !== candidate.source ||
    meta.registry !== entry.registry
  )
    return false;
  const written = Date.parse(meta.expiresAt);
  if (!Number.isFinite(written)) return false;
  return (
    written - keep.now >
    (candidate.expiresAt.getTime() - keep.now) * keep.minRemainingFraction + keep.marginMs
  );
}

function earliestExpiry(metas: readonly AuthMeta[]): string | undefined {
  let earliest: number | undefined;
  for (const meta of metas) {
    if (meta.expiresAt === null) continue;
    const time = Date.parse(meta.expiresAt);
    if (Number.isFinite(time) && (earliest === undefined || time < earliest)) earliest = time;
  }
  return earliest === undefined ? undefined : new Date(earliest).toISOString();
}

function sameRecord(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>>,
): boolean {
  const left = a ?? {};
  // Same size and every key of `left` equal in `b`: no key sets built for each of 10,000 namespaces.
  let size = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    if (left[key] !== b[key] || !Object.hasOwn(b, key)) return false;
    size++;
  }
  for (const key in b) if (Object.hasOwn(b, key)) size--;
  return size === 0;
}
