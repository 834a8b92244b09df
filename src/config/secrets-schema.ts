import { z } from 'zod';
import { durationSchema } from './duration-schema.ts';

// Owned by the secret-sync work (src/sync): the `secrets:` targets and the `sync:` settings.
// src/config/schema.ts composes it into the top-level schema. Documented in docs/sync.md.

// A Secret name is a DNS-1123 subdomain.
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const namespaceSelectionSchema = z.strictObject({
  /** Namespace names or globs (`*`, `team-*`). System namespaces match only when named exactly. */
  include: z.array(z.string().min(1)).default(['*']),
  /** Kubernetes label selector (`team=payments,env in (prod,staging),!legacy`). */
  selector: z.string().min(1).optional(),
  /** Names or globs removed from the selection. */
  exclude: z.array(z.string().min(1)).default([]),
});

export const secretTargetSchema = z.strictObject({
  /** The Secret's name in every selected namespace; also the target's identity (label `regcred.io/target`). */
  name: z.string().max(253).regex(SECRET_NAME, 'must be a DNS-1123 subdomain (lower case, digits, -, .)'),
  /** `all`, or registry entry names / hosts whose credentials go into this Secret. */
  registries: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
  namespaces: namespaceSelectionSchema.default({ include: ['*'], exclude: [] }),
  /** ServiceAccounts that get the Secret in imagePullSecrets: `[]` none, `[default]`, names, or `["*"]`. */
  serviceAccounts: z.array(z.string().min(1)).default([]),
  /** Take over a same-named Secret regcred did not create, keeping the registry entries users added. */
  adopt: z.boolean().default(false),
  /** Remove what regcred wrote from namespaces that leave the selection and registries that leave the config. */
  prune: z.boolean().default(false),
});

export const secretsSchema = z
  .array(secretTargetSchema)
  .default([])
  .superRefine((targets, ctx) => {
    const seen = new Set<string>();
    targets.forEach((target, index) => {
      if (seen.has(target.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `two targets write the Secret "${target.name}"; names must be unique`,
        });
      }
      seen.add(target.name);
    });
  });

export const syncSettingsSchema = z
  .strictObject({
    /** Refresh a credential once this fraction of its lifetime has passed. */
    refreshFraction: z.number().gt(0).lt(1).default(0.5),
    /** ± this fraction of the refresh delay is random, so replicas and registries spread out. */
    refreshJitter: z.number().min(0).max(0.5).default(0.1),
    /** Never refresh later than this long before expiry. */
    refreshMargin: durationSchema.default(300_000),
    /** First delay after a failed refresh or reconcile; doubles (with jitter) up to `maxBackoff`. */
    initialBackoff: durationSchema.default(5_000),
    maxBackoff: durationSchema.default(300_000),
    /** `run`: full reconcile of every target this often, besides watch events. */
    resyncPeriod: durationSchema.default(600_000),
    /** Client-side Kubernetes API budget: sustained requests per second and burst. */
    qps: z.number().positive().default(50),
    burst: z.number().int().positive().default(100),
    /** Kubernetes API calls in flight at once. */
    concurrency: z.number().int().positive().max(256).default(16),
    /** `run`: the coordination.k8s.io/v1 Lease used for leader election. */
    leaseName: z.string().regex(SECRET_NAME).default('regcred'),
    /** Defaults to the pod's namespace (in-cluster), else `default`. */
    leaseNamespace: z.string().min(1).optional(),
    leaseDuration: durationSchema.default(15_000),
  })
  .prefault({});

export type NamespaceSelection = z.output<typeof namespaceSelectionSchema>;
export type SecretTarget = z.output<typeof secretTargetSchema>;
export type SyncSettings = z.output<typeof syncSettingsSchema>;
