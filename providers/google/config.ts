import { z } from 'zod';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The two usernames GCR and Artifact Registry accept with a service-account key as the password. */
export const JSON_KEY_USERNAMES = ['_json_key', '_json_key_base64'] as const;
export type JsonKeyUsername = (typeof JSON_KEY_USERNAMES)[number];

const SERVICE_ACCOUNT_EMAIL = /^[a-z0-9-]+@[a-z0-9.-]+\.iam\.gserviceaccount\.com$|^[^@\s]+@[^@\s]+$/;
const PROJECT_ID = /^[a-z][a-z0-9.:-]{1,62}[a-z0-9]$/;
const LOCATION = /^[a-z][a-z0-9-]*[a-z0-9]$/;

const urlString = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const discoverSchema = z.strictObject({
  /** Projects whose DOCKER-format Artifact Registry repositories decide the hosts served. */
  projects: z
    .array(z.string().regex(PROJECT_ID, 'must be a Google Cloud project id'))
    .min(1, 'list at least one project'),
  /** Only these locations (`us`, `europe-west1`, …); all of the project's locations when absent. */
  locations: z.array(z.string().regex(LOCATION, 'must be a location such as us or europe-west1')).optional(),
  /** Artifact Registry API endpoint (Private Service Connect, tests). Defaults to the public API. */
  endpoint: urlString.optional(),
});

export const googleConfigSchema = z
  .strictObject({
    /**
     * Service-account key mode: the key JSON is the password (`_json_key`), long-lived, no token calls.
     * A path (relative to the config file) or an environment variable holding the JSON (or its base64).
     */
    keyFile: z.string().min(1).optional(),
    keyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
      .optional(),
    /** Username for key mode: `_json_key` (password = the key JSON) or `_json_key_base64`. */
    keyUsername: z.enum(JSON_KEY_USERNAMES).default('_json_key'),
    /**
     * ADC mode: a credentials file (service_account, external_account, authorized_user,
     * impersonated_service_account). Defaults to GOOGLE_APPLICATION_CREDENTIALS, then gcloud's
     * well-known file, then the metadata server.
     */
    credentialsFile: z.string().min(1).optional(),
    /** Skip files and use the metadata server (GKE Workload Identity, GCE) only. */
    metadataServer: z
      .strictObject({
        /** `host:port` or URL; defaults to GCE_METADATA_HOST, then 169.254.169.254. */
        host: z.string().min(1).optional(),
        /** The service account whose token is asked for (`default` on GKE Workload Identity). */
        serviceAccount: z.string().min(1).default('default'),
      })
      .optional(),
    /** Service account to impersonate with the ADC identity (iam.serviceAccountTokenCreator). */
    impersonate: z.string().regex(SERVICE_ACCOUNT_EMAIL, 'must be a service-account email').optional(),
    /** Chain of service accounts between the ADC identity and `impersonate`. */
    delegates: z.array(z.string().regex(SERVICE_ACCOUNT_EMAIL, 'must be a service-account email')).optional(),
    /** Lifetime of impersonated tokens, in seconds (Google caps it at 3600 unless the org allows 12 h). */
    lifetimeSeconds: z.number().int().min(60).max(43_200).default(3600),
    /** IAM Credentials endpoint for impersonation (Private Service Connect, tests). */
    iamCredentialsEndpoint: urlString.optional(),
    /** OAuth scopes of the access token. */
    scopes: z.array(z.string().min(1)).min(1).default([CLOUD_PLATFORM_SCOPE]),
    discover: discoverSchema.optional(),
    /** Transient failures (5xx, 429, network) are retried up to this many attempts in total. */
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /** Time limit of one token request, in seconds. */
    requestTimeoutSeconds: z.number().positive().max(300).default(10),
  })
  .superRefine((value, ctx) => {
    if (value.keyFile !== undefined && value.keyEnv !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['keyEnv'], message: 'use either keyFile or keyEnv, not both' });
    }
    const keyMode = value.keyFile !== undefined || value.keyEnv !== undefined;
    if (keyMode) {
      for (const key of ['credentialsFile', 'metadataServer', 'impersonate', 'delegates'] as const) {
        if (value[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} applies to Application Default Credentials; it cannot be combined with keyFile/keyEnv`,
          });
        }
      }
    }
    if (value.credentialsFile !== undefined && value.metadataServer !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadataServer'],
        message: 'use either credentialsFile or metadataServer, not both',
      });
    }
    if (value.delegates !== undefined && value.impersonate === undefined) {
      ctx.addIssue({ code: 'custom', path: ['delegates'], message: 'delegates needs impersonate' });
    }
  });

export type GoogleConfig = z.output<typeof googleConfigSchema>;
