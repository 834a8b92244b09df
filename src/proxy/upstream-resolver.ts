import type { CredentialSource } from '../core/credential-source.ts';
import { OciError } from './oci-error.ts';
import { isRegistryHost } from './oci-path.ts';
import { type UpstreamTarget, upstreamTarget } from './upstream-target.ts';

export interface UpstreamEntry {
  readonly alias: string;
  readonly registry: string;
  readonly insecure: boolean;
}

export interface ResolvedUpstream {
  readonly target: UpstreamTarget;
  /** The repository on the upstream registry (alias removed in prefix mode). */
  readonly repository: string;
}

/**
 * Maps a client request to a configured registry. Mirror mode (`?ns=host`): the host must be a
 * `proxy.upstreams` registry or match a `registries[]` entry. Prefix mode: the first path component is an
 * alias from `proxy.upstreams`. Anything else is refused, so the proxy never reaches a host a client chose.
 */
export class UpstreamResolver {
  readonly #byAlias = new Map<string, UpstreamTarget>();
  readonly #byHost = new Map<string, UpstreamTarget>();
  readonly #credentials: CredentialSource;

  /** Throws Error when an entry's registry is not a host[:port] (config validation catches it first). */
  constructor(upstreams: readonly UpstreamEntry[], credentials: CredentialSource) {
    this.#credentials = credentials;
    for (const entry of upstreams) {
      if (!isRegistryHost(entry.registry))
        throw new Error(`proxy upstream ${entry.alias}: invalid registry host`);
      const target = upstreamTarget(entry.registry, entry.insecure);
      this.#byAlias.set(entry.alias, target);
      if (!this.#byHost.has(target.host)) this.#byHost.set(target.host, target);
    }
  }

  /** The registry for a mirror-mode `ns`, or an OciError DENIED. */
  mirror(ns: string): UpstreamTarget {
    const known = this.#byHost.get(ns);
    if (known !== undefined) return known;
    if (this.#credentials.match(ns) !== undefined) {
      const target = upstreamTarget(ns, false);
      return target;
    }
    throw new OciError(403, 'DENIED', `registry ${ns} is not configured in this proxy`);
  }

  resolve(name: string, ns: string | undefined): ResolvedUpstream {
    if (ns !== undefined) return { target: this.mirror(ns), repository: name };
    const slash = name.indexOf('/');
    const alias = slash === -1 ? name : name.slice(0, slash);
    const target = this.#byAlias.get(alias);
    if (target === undefined || slash === -1) {
      throw new OciError(
        404,
        'NAME_UNKNOWN',
        target === undefined
          ? `no upstream with alias "${alias}" is configured (use <alias>/<repository> or ?ns=<registry>)`
          : `repository missing after alias "${alias}"`,
      );
    }
    return { target, repository: name.slice(slash + 1) };
  }
}
