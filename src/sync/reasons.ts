/**
 * Stable reasons for Kubernetes Events, log lines and metrics labels. Alerts and dashboards key on
 * them, so they never change meaning; add new ones instead.
 */
export const Reason = {
  /** A same-named Secret exists that regcred does not manage and the target does not adopt. */
  SecretNotManaged: 'SecretNotManaged',
  /** regcred took over an existing Secret (`adopt: true`). */
  SecretAdopted: 'SecretAdopted',
  /** Creating or updating the Secret failed (403, quota, webhook denial, …). */
  SecretWriteFailed: 'SecretWriteFailed',
  /** The existing Secret has another type; its type is immutable. */
  SecretTypeMismatch: 'SecretTypeMismatch',
  /** Deleting a pruned Secret failed. */
  SecretPruneFailed: 'SecretPruneFailed',
  /** Patching a ServiceAccount's imagePullSecrets failed. */
  ServiceAccountPatchFailed: 'ServiceAccountPatchFailed',
  /** A registry's credential could not be fetched; the last good one (if any) stays in place. */
  CredentialRefreshFailed: 'CredentialRefreshFailed',
} as const;

export type Reason = (typeof Reason)[keyof typeof Reason];
