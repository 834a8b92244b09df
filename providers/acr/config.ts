import { z } from 'zod';
import { parseDuration } from '../../src/core/duration.ts';
import { AZURE_CLOUD_NAMES } from './clouds.ts';

/** A Go-style duration (`500ms`, `10s`, `1m30s`) or a number of seconds, in milliseconds. */
const duration = z
  .union([z.number().positive(), z.string()])
  .transform((value, context) => {
    const ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: 'use a duration like 500ms, 10s or 1m30s' });
      return z.NEVER;
    }
    return ms;
  })
  .refine((ms) => ms >= 1 && ms <= 10 * 60_000, 'must be between 1ms and 10m');

const guidOrName = z.string().min(1).max(200);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

const workload = z.strictObject({
  type: z.literal('workload'),
  /** Defaults to `AZURE_CLIENT_ID` (set by the AKS workload identity webhook). */
  clientId: guidOrName.optional(),
  /** Defaults to `AZURE_FEDERATED_TOKEN_FILE`. */
  tokenFile: z.string().min(1).optional(),
});

const managed = z
  .strictObject({
    type: z.literal('managed'),
    /** User-assigned identity by client id; leave both out for the system-assigned identity. */
    clientId: guidOrName.optional(),
    /** User-assigned identity by ARM resource id. */
    resourceId: z
      .string()
      .regex(/^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\//i, 'must be an ARM resource id')
      .optional(),
  })
  .refine((value) => !(value.clientId && value.resourceId), {
    message: 'give clientId or resourceId, not both',
    path: ['resourceId'],
  });

const clientSecret = z
  .strictObject({
    type: z.literal('client-secret'),
    clientId: guidOrName,
    /** Name of the environment variable holding the secret. */
    clientSecretEnv: envName.optional(),
    /** File holding the secret (re-read on every refresh, so rotation needs no restart). */
    clientSecretFile: z.string().min(1).optional(),
  })
  .refine((value) => (value.clientSecretEnv === undefined) !== (value.clientSecretFile === undefined), {
    message: 'give exactly one of clientSecretEnv or clientSecretFile (inline secrets are not accepted)',
    path: ['clientSecretEnv'],
  });

const clientCertificate = z.strictObject({
  type: z.literal('client-certificate'),
  clientId: guidOrName,
  /** PEM file with the certificate and its private key. */
  certificateFile: z.string().min(1),
  /** Environment variable holding the private key's password, if it is encrypted. */
  certificatePasswordEnv: envName.optional(),
  /** Send the x5c chain (subject name/issuer authentication). */
  sendCertificateChain: z.boolean().default(false),
});

const defaultChain = z.strictObject({ type: z.literal('default') });

export const identitySchema = z.discriminatedUnion('type', [
  workload,
  managed,
  clientSecret,
  clientCertificate,
  defaultChain,
]);

/** The `acr` part of one `registries[]` entry (common keys such as `hosts` removed). */
export const acrConfigSchema = z.strictObject({
  identity: identitySchema.default({ type: 'default' }),
  /** Entra tenant; defaults to `AZURE_TENANT_ID`, or (managed identity) the token's own tenant. */
  tenantId: guidOrName.optional(),
  /** Cloud when the host does not say (`*.azurecr.cn` → china, `*.azurecr.us` → usgovernment). */
  cloud: z.enum(AZURE_CLOUD_NAMES).optional(),
  /** Entra authority host (Azure Stack, a private endpoint); overrides `cloud`. */
  authorityHost: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
  /** Skip the authority check against the public cloud's instance discovery (private authorities). */
  disableInstanceDiscovery: z.boolean().default(false),
  /** Entra scope for the ACR audience. */
  scope: z.string().min(1).optional(),
  /** Ask `GET /v2/` where the token endpoint is; else `https://<host>/oauth2/exchange`. */
  discovery: z.boolean().default(true),
  /** Deadline for each HTTP call (connect, headers and body together). */
  requestTimeout: duration.default(10_000),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(10).default(4),
      baseDelay: duration.default(500),
      maxDelay: duration.default(10_000),
    })
    .default({ attempts: 4, baseDelay: 500, maxDelay: 10_000 }),
});

export type AcrConfig = z.output<typeof acrConfigSchema>;
export type AcrIdentityConfig = AcrConfig['identity'];
