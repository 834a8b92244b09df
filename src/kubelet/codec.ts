import { z } from 'zod';
import { ErrorCode, RegcredError } from '../core/errors.ts';

/** The API versions of the kubelet's CredentialProviderRequest this plugin speaks (same shape in all). */
export const SUPPORTED_API_VERSIONS = [
  'credentialprovider.kubelet.k8s.io/v1',
  'credentialprovider.kubelet.k8s.io/v1beta1',
  'credentialprovider.kubelet.k8s.io/v1alpha1',
] as const;

export type CredentialProviderApiVersion = (typeof SUPPORTED_API_VERSIONS)[number];

const requestSchema = z.looseObject({
  kind: z.literal('CredentialProviderRequest', { error: 'kind must be "CredentialProviderRequest"' }),
  apiVersion: z.enum(SUPPORTED_API_VERSIONS, {
    error: `apiVersion must be one of ${SUPPORTED_API_VERSIONS.join(', ')}`,
  }),
  image: z.string({ error: 'image must be a string' }).min(1, 'image must not be empty'),
  serviceAccountToken: z.string().optional(),
  serviceAccountAnnotations: z.record(z.string(), z.string()).optional(),
});

export type CredentialProviderRequest = z.output<typeof requestSchema>;

export interface CredentialProviderResponse {
  readonly kind: 'CredentialProviderResponse';
  readonly apiVersion: CredentialProviderApiVersion;
  readonly cacheKeyType: 'Image' | 'Registry' | 'Global';
  readonly cacheDuration: string;
  readonly auth: Readonly<Record<string, { readonly username: string; readonly password: string }>>;
}

/** Parses the kubelet's request; throws ERR_PLUGIN_REQUEST_INVALID saying what is wrong (never echoing a token). */
export function parseCredentialProviderRequest(text: string): CredentialProviderRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RegcredError(
      ErrorCode.PluginRequestInvalid,
      `the CredentialProviderRequest on stdin is not JSON (${text.trim() === '' ? 'stdin was empty' : `${text.length} bytes`})`,
    );
  }
  const result = requestSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new RegcredError(
      ErrorCode.PluginRequestInvalid,
      `invalid CredentialProviderRequest: ${problems.join('; ')}`,
    );
  }
  return result.data;
}
