// The library entry of the `regcred` package, for provider authors and tools built on regcred.
// Everything here is stable API; the rest of the package is internal.

export type { Clock } from './core/clock.ts';
export { systemClock } from './core/clock.ts';
export { type CloudRegistry, detectCloudRegistry } from './core/cloud-registry.ts';
export type { Credential } from './core/credential.ts';
export { IDENTITY_TOKEN_USERNAME, isExpired, isUsableReplacement, remainingMs } from './core/credential.ts';
export type { CredentialRequestOptions, CredentialSource, RegistryEntry } from './core/credential-source.ts';
export {
  type DockerAuthEntry,
  type DockerConfigJson,
  dockerAuthEntry,
  dockerConfigJson,
} from './core/docker-config.ts';
export { formatGoDuration, parseDuration } from './core/duration.ts';
export {
  ConfigError,
  type ConfigIssue,
  ErrorCode,
  formatIssues,
  isRegcredError,
  RegcredError,
  type RegcredErrorOptions,
} from './core/errors.ts';
export {
  comparePatternSpecificity,
  type HostPattern,
  imagePatternMatches,
  isConcreteHost,
  parseHostPattern,
} from './core/image-pattern.ts';
export {
  familiarName,
  formatReference,
  type ImageReference,
  parseImageReference,
} from './core/image-reference.ts';
export {
  type ConfigValidation,
  defineProvider,
  type GetCredentialOptions,
  type ProviderContext,
  type ProviderFactory,
  type RegistryProvider,
} from './core/provider.ts';
export { assertProviderFactory, credentialProblems } from './core/provider-contract.ts';
export { dockerConfigKey, parseRegistryHost } from './core/registry-host.ts';
export { validateWithZod } from './core/validate.ts';
