import { z } from 'zod';
import { DEFAULT_REFRESH_POLICY } from '../core/refresh-policy.ts';
import { durationSchema } from './duration-schema.ts';
import { proxySchema } from './proxy-schema.ts';
import { secretsSchema, syncSettingsSchema } from './secrets-schema.ts';

/** Keys every `registries[]` entry has; the rest belongs to the provider's own schema. */
export const COMMON_REGISTRY_KEYS = ['provider', 'name', 'hosts', 'refresh', 'timeout'] as const;

export const refreshSchema = z
  .strictObject({
    /** Refresh when this fraction of the credential's lifetime has passed. */
    fraction: z.number().gt(0).lt(1).default(DEFAULT_REFRESH_POLICY.fraction),
    /** And never later than this long before expiry (Go-style duration or seconds). */
    margin: durationSchema.default(DEFAULT_REFRESH_POLICY.marginMs),
  })
  .prefault({});

/** The common part of a registry entry; provider-specific keys pass through to the provider. */
export const registryEntrySchema = z.looseObject({
  provider: z.string().min(1, 'provider must name a provider id, a package or a path'),
  name: z.string().min(1).optional(),
  hosts: z.array(z.string().min(1)).optional(),
  refresh: refreshSchema,
  timeout: durationSchema.default(30_000),
});

export const configSchema = z.strictObject({
  registries: z.array(registryEntrySchema).min(1, 'at least one registry is needed'),
  secrets: secretsSchema,
  sync: syncSettingsSchema,
  proxy: proxySchema,
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .default({ level: 'info' }),
});

export type RegcredConfig = z.output<typeof configSchema>;
