import { z } from 'zod';

// Owned by the secret-sync work (src/sync): the `secrets:` targets and the `sync:` settings.
// Extend freely; src/config/schema.ts composes it into the top-level schema.

export const namespaceSelectionSchema = z.strictObject({
  include: z.array(z.string().min(1)).default(['*']),
  selector: z.string().min(1).optional(),
  exclude: z.array(z.string().min(1)).default([]),
});

export const secretTargetSchema = z.strictObject({
  name: z.string().min(1),
  registries: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
  namespaces: namespaceSelectionSchema.default({ include: ['*'], exclude: [] }),
  serviceAccounts: z.array(z.string().min(1)).default([]),
  adopt: z.boolean().default(false),
  prune: z.boolean().default(false),
});

export const secretsSchema = z.array(secretTargetSchema).default([]);

export const syncSettingsSchema = z
  .strictObject({
    refreshFraction: z.number().gt(0).lt(1).default(0.5),
  })
  .default({ refreshFraction: 0.5 });

export type SecretTarget = z.output<typeof secretTargetSchema>;
export type SyncSettings = z.output<typeof syncSettingsSchema>;
