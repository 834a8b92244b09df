import type { Credential } from './credential.ts';
import { dockerConfigKey } from './registry-host.ts';

/** One `auths` entry of a docker config file / `.dockerconfigjson` (PROTOCOLS §2). */
export interface DockerAuthEntry {
  readonly username: string;
  readonly password: string;
  /** base64 of `username:password`, which older clients read instead of the two fields. */
  readonly auth: string;
}

export interface DockerConfigJson {
  readonly auths: Readonly<Record<string, DockerAuthEntry>>;
}

export function dockerAuthEntry(credential: Pick<Credential, 'username' | 'password'>): DockerAuthEntry {
  return {
    username: credential.username,
    password: credential.password,
    auth: Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64'),
  };
}

/** `{"auths": {...}}` keyed the way docker and the kubelet expect (`https://index.docker.io/v1/` for Hub). */
export function dockerConfigJson(
  entries: readonly { host: string; credential: Pick<Credential, 'username' | 'password'> }[],
): DockerConfigJson {
  const auths: Record<string, DockerAuthEntry> = {};
  for (const { host, credential } of entries) auths[dockerConfigKey(host)] = dockerAuthEntry(credential);
  return { auths };
}
