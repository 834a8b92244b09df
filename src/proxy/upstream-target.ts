/** Where a proxied request goes: a configured registry, never an address the client chose. */
export interface UpstreamTarget {
  /** Registry host[:port] as configured, lower case: the CredentialSource key and metrics label. */
  readonly host: string;
  /** `https://host` (or `http://` when insecure); docker.io maps to its API host. */
  readonly origin: string;
  /** Plain http allowed (to the registry, its token realm and its redirects). */
  readonly insecure: boolean;
}

/** Registries whose API is served at another host than their name. */
const API_HOSTS: Readonly<Record<string, string>> = { 'docker.io': 'registry-1.docker.io' };

export function upstreamTarget(host: string, insecure: boolean): UpstreamTarget {
  const lower = host.toLowerCase();
  const apiHost = API_HOSTS[lower] ?? lower;
  return { host: lower, origin: `${insecure ? 'http' : 'https'}://${apiHost}`, insecure };
}
