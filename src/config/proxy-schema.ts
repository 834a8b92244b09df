import { z } from 'zod';

// Owned by the proxy work (src/proxy): the `proxy:` section. Extend freely; src/config/schema.ts
// composes it into the top-level schema.

export const proxyUpstreamSchema = z.strictObject({
  alias: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'alias must be a lower-case path component'),
  registry: z.string().min(1),
  insecure: z.boolean().default(false),
});

export const proxySchema = z
  .strictObject({
    listen: z.string().default('127.0.0.1:5000'),
    upstreams: z.array(proxyUpstreamSchema).default([]),
  })
  .optional();

export type ProxyConfig = NonNullable<z.output<typeof proxySchema>>;
