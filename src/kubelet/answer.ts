import type { Credential } from '../core/credential.ts';
import type { CredentialSource } from '../core/credential-source.ts';
import { formatGoDuration } from '../core/duration.ts';
import { parseImageReference } from '../core/image-reference.ts';
import type { CredentialProviderRequest, CredentialProviderResponse } from './codec.ts';

export interface AnswerOptions {
  readonly now: number;
  readonly signal: AbortSignal;
  /** How long the kubelet may cache a long-lived credential (static, key files); rotation shows up after it. */
  readonly longLivedCacheMs: number;
  /** Stop the kubelet using a token this long before it expires. */
  readonly expiryMarginMs: number;
}

/**
 * Answers one kubelet request: the credential for the image's registry, keyed by that registry, cached by the
 * kubelet per registry until shortly before the password expires.
 * Throws ERR_IMAGE_REFERENCE_INVALID or ERR_REGISTRY_NOT_CONFIGURED, or the provider's error.
 */
export async function answerCredentialProviderRequest(
  request: CredentialProviderRequest,
  credentials: CredentialSource,
  options: AnswerOptions,
): Promise<CredentialProviderResponse> {
  const ref = parseImageReference(request.image);
  const host = ref.registry.toLowerCase();
  const subject = `${host}/${ref.repository}`;
  const credential = await credentials.getCredential(subject, { signal: options.signal });
  // With path-scoped entries (`r.example.com/team-a`) one registry can have several credentials: the kubelet
  // must then cache per image, keyed by the repository, or team-a's password would serve team-b's pulls.
  const pathScoped = credentials.registries.some((r) => r.hosts.some((pattern) => pattern.includes('/')));
  return {
    kind: 'CredentialProviderResponse',
    apiVersion: request.apiVersion,
    cacheKeyType: pathScoped ? 'Image' : 'Registry',
    cacheDuration: formatGoDuration(cacheMs(credential, options)),
    auth: { [pathScoped ? subject : host]: { username: credential.username, password: credential.password } },
  };
}

function cacheMs(credential: Credential, options: AnswerOptions): number {
  if (credential.expiresAt === null) return options.longLivedCacheMs;
  return Math.max(0, credential.expiresAt.getTime() - options.now - options.expiryMarginMs);
}
