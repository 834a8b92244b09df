import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

// Owned by the proxy work (src/proxy): the `proxy:` section. src/config/schema.ts composes it into the
// top-level schema. docs/proxy.md documents every key.

const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$/;
const REGISTRY_HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** `10.0.0.0/8`, `fd00::/8`, or a single address. */
export function isCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  if (rest.length > 0) return false;
  const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
  if (max === -1) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= max;
}

export const proxyUpstreamSchema = z.strictObject({
  /** Prefix-mode name: clients pull `<proxy>/<alias>/<repository>`. */
  alias: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'alias must be a lower-case path component'),
  /** Registry host[:port]; credentials come from the `registries[]` entry whose hosts match it. */
  registry: z.string().regex(REGISTRY_HOST, 'registry must be a host or host:port, without scheme or path'),
  /** Plain http to this registry, its token realm and its redirects (tests, in-cluster registries). */
  insecure: z.boolean().default(false),
});

export const proxySchema = z
  .strictObject({
    /** Client-facing address. Anything but loopback needs `allowedClients`. */
    listen: z.string().regex(HOST_PORT, 'listen must be host:port').default('127.0.0.1:5000'),
    /** /healthz, /readyz, /metrics; "" disables. */
    metricsListen: z
      .string()
      .regex(/^$|^.+:[0-9]{1,5}$/, 'metricsListen must be host:port or ""')
      .default('127.0.0.1:9102'),
    upstreams: z.array(proxyUpstreamSchema).default([]),
    /** Client addresses (CIDR) allowed to use the proxy; required when `listen` is not loopback. */
    allowedClients: z.array(z.string().refine(isCidr, 'must be an IP address or CIDR')).default([]),
    /** `follow`: fetch redirected blobs server-side (no Authorization to other hosts); `pass`: hand the 3xx to the client. */
    redirects: z.enum(['follow', 'pass']).default('follow'),
    maxRedirects: z.number().int().min(0).max(20).default(5),
    /** Bytes buffered per client response before the upstream read pauses. */
    responseHighWaterMark: z
      .number()
      .int()
      .min(16 * 1024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.upstreams.forEach((upstream, index) => {
      if (seen.has(upstream.alias)) {
        ctx.addIssue({ code: 'custom', path: ['upstreams', index, 'alias'], message: 'alias used twice' });
      }
      seen.add(upstream.alias);
    });
  })
  .prefault({});

export type ProxyConfig = NonNullable<z.output<typeof proxySchema>>;
