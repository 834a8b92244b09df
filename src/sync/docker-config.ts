import type { Credential } from '../core/credential.ts';
import { dockerAuthEntry } from '../core/docker-config.ts';
import { dockerConfigKey } from '../core/registry-host.ts';

/** One `auths` entry regcred writes: the key the kubelet matches and the credential behind it. */
export interface AuthEntry {
  /** The `auths` key (`https://index.docker.io/v1/` for Docker Hub, else host[:port]). */
  readonly key: string;
  /** The registry entry (config name) it came from, for annotations and metrics. */
  readonly registry: string;
  readonly credential: Credential;
}

export interface DockerAuth {
  username?: string;
  password?: string;
  auth?: string;
  [field: string]: unknown;
}

export interface DockerConfigJson {
  auths: Record<string, DockerAuth>;
}

/**
 * The `auths` key for a registry host (core's `dockerConfigKey`: Docker Hub under the legacy index URL
 * every client resolves for `docker.io` images). A host core cannot parse is used as written, lower-cased.
 */
export function authsKey(host: string): string {
  try {
    return dockerConfigKey(host);
  } catch {
    return host.toLowerCase();
  }
}

export function toDockerAuth(credential: Pick<Credential, 'username' | 'password'>): DockerAuth {
  return { ...dockerAuthEntry(credential) };
}

/** Parses a `.dockerconfigjson` value (base64 as stored); undefined when it is not a docker config. */
export function decodeDockerConfig(base64: string | undefined): DockerConfigJson | undefined {
  if (base64 === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const auths = (parsed as { auths?: unknown }).auths;
    if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) return undefined;
    return { ...(parsed as Record<string, unknown>), auths: auths as Record<string, DockerAuth> };
  } catch {
    return undefined;
  }
}

/** Stable serialization (keys sorted) so equal content always produces equal bytes. */
export function encodeDockerConfig(config: DockerConfigJson): string {
  return Buffer.from(stableStringify(config), 'utf8').toString('base64');
}

export function stableStringify(value: unknown): string {
  // Called for every namespace of a pass: one string built in place, no entry arrays or closures.
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${stableStringify(value[i]) ?? ''}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = sortInPlace(Object.keys(record));
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${stableStringify(item)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Sorts a few strings in place (code-unit order, like the default sort). Array.prototype.sort copies its
 * input into a work array on every call; a docker config is a handful of keys per level.
 */
function sortInPlace(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > key; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = key;
  }
  return keys;
}

/** Semantic equality of two docker configs (key order and whitespace do not count). */
export function sameDockerConfig(a: DockerConfigJson | undefined, b: DockerConfigJson | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return stableStringify(a) === stableStringify(b);
}
