import { z } from 'zod';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** STS RoleSessionName: 2–64 of `[\w+=,.@-]`. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * The ECR-specific keys of one `registries[]` entry (the common keys `provider`, `name`, `hosts`,
 * `refresh`, `timeout` are handled by the core). Account, region, FIPS and dual-stack always come from
 * the registry host, so there is no `region` key.
 */
export const ecrConfigSchema = z
  .strictObject(
    {
      /** Role to assume (sts:AssumeRole) with the base identity, for cross-account pulls. */
      roleArn: z
        .string({ error: 'must be a string' })
        .regex(ROLE_ARN, { error: 'must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>' })
        .optional(),
      /** The external ID the role's trust policy demands (a shared value, not a secret in AWS's model). */
      externalId: z
        .string({ error: 'must be a string' })
        .regex(/^[\w+=,.@:/-]{2,1224}$/, {
          error: 'must be 2–1224 characters of letters, digits and +=,.@:/-',
        })
        .optional(),
      /** Session name on the assumed role, visible in CloudTrail. Defaults to `regcred`. */
      roleSessionName: z
        .string({ error: 'must be a string' })
        .regex(SESSION_NAME, { error: 'must be 2–64 characters of letters, digits and +=,.@_-' })
        .optional(),
      /** Assumed-role session length in seconds (900–43200; the role's maximum applies). */
      durationSeconds: z
        .number({ error: 'must be a number of seconds' })
        .int({ error: 'must be a whole number of seconds' })
        .min(900, { error: 'must be at least 900 (15 minutes)' })
        .max(43_200, { error: 'must be at most 43200 (12 hours)' })
        .optional(),
      /** Shared config/credentials profile used as the base identity instead of the default chain. */
      profile: z
        .string({ error: 'must be a string' })
        .min(1, { error: 'must not be empty' })
        .regex(/^[\w.@+-]+$/, { error: 'must be a profile name (letters, digits and ._@+-)' })
        .optional(),
    },
    { error: unknownKeyMessage },
  )
  .superRefine((config, ctx) => {
    for (const key of ['externalId', 'roleSessionName', 'durationSeconds'] as const) {
      if (config[key] !== undefined && config.roleArn === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `only applies with roleArn; set roleArn or remove ${key}`,
        });
      }
    }
  });

const KNOWN_KEYS = 'roleArn, externalId, roleSessionName, durationSeconds, profile';

function unknownKeyMessage(issue: { code?: string; keys?: readonly string[] }): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const keys = issue.keys ?? [];
  const quoted = keys.map((key) => `"${key}"`).join(', ');
  const hint = keys.some((key) => key === 'region' || key === 'accountId')
    ? ' (account and region come from the registry host)'
    : '';
  return `unknown key${keys.length === 1 ? '' : 's'} ${quoted}; known keys: ${KNOWN_KEYS}${hint}`;
}

export type EcrConfig = z.output<typeof ecrConfigSchema>;
