/**
 * The one error type of regcred. Callers branch on `code`, never on the message.
 * Messages name the registry, namespace or file involved and never contain a secret.
 */
export const ErrorCode = {
  /** The config file or a flag is invalid. Exit status 2. */
  ConfigInvalid: 'ERR_CONFIG_INVALID',
  /** An image reference does not follow the Docker naming rules. */
  ImageReferenceInvalid: 'ERR_IMAGE_REFERENCE_INVALID',
  /** A host pattern (config `hosts`, kubelet matchImages) is malformed. */
  HostPatternInvalid: 'ERR_HOST_PATTERN_INVALID',
  /** No provider with that id is registered. */
  ProviderUnknown: 'ERR_PROVIDER_UNKNOWN',
  /** Two providers registered under one id. */
  ProviderDuplicate: 'ERR_PROVIDER_DUPLICATE',
  /** A provider module (built-in or external) does not satisfy the contract. */
  ProviderContract: 'ERR_PROVIDER_CONTRACT',
  /** An external provider module could not be loaded. */
  ProviderLoad: 'ERR_PROVIDER_LOAD',
  /** No configured registry serves this host. */
  RegistryNotConfigured: 'ERR_REGISTRY_NOT_CONFIGURED',
  /** The cloud or registry rejected the identity (bad keys, missing permission). Not retried. */
  CredentialAuth: 'ERR_CREDENTIAL_AUTH',
  /** The credential source answered with something unusable (malformed token, missing field). */
  CredentialInvalid: 'ERR_CREDENTIAL_INVALID',
  /** Fetching a credential failed for a reason that may pass (5xx, network). Retried. */
  CredentialFetch: 'ERR_CREDENTIAL_FETCH',
  /** The credential source throttled us and retries ran out. */
  CredentialThrottled: 'ERR_CREDENTIAL_THROTTLED',
  /** A local credential source (file, environment variable) is missing or empty. */
  CredentialSource: 'ERR_CREDENTIAL_SOURCE',
  /** An outbound call took longer than its timeout. */
  Timeout: 'ERR_TIMEOUT',
  /** The operation was cancelled through its AbortSignal. */
  Aborted: 'ERR_ABORTED',
  /** The Kubernetes API refused or failed a call. */
  KubeApi: 'ERR_KUBE_API',
  /** Another owner holds the object and regcred may not touch it. */
  KubeNotManaged: 'ERR_KUBE_NOT_MANAGED',
  /** An upstream registry misbehaved (proxy). */
  Upstream: 'ERR_UPSTREAM',
  /** A request to the proxy or a plugin is malformed or not allowed. */
  BadRequest: 'ERR_BAD_REQUEST',
  /** A kubelet credential provider request is malformed. */
  PluginRequestInvalid: 'ERR_PLUGIN_REQUEST_INVALID',
  /** Anything else: a bug. */
  Internal: 'ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface RegcredErrorOptions {
  cause?: unknown;
  /** Whether retrying the same call may succeed. Defaults by code. */
  retryable?: boolean;
  /** Structured, non-secret facts for logs (registry, namespace, status). */
  details?: Readonly<Record<string, string | number | boolean | null>>;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.CredentialFetch,
  ErrorCode.CredentialThrottled,
  ErrorCode.Timeout,
  ErrorCode.Upstream,
  ErrorCode.KubeApi,
]);

export class RegcredError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;

  constructor(code: ErrorCode, message: string, options: RegcredErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegcredError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.details = options.details ?? {};
  }

  /** A JSON shape safe for logs: code, message, details; never the cause's response bodies. */
  toJSON(): { name: string; code: ErrorCode; message: string; details: RegcredError['details'] } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** One field of a config that failed validation. */
export interface ConfigIssue {
  /** Path from the config root, e.g. `['registries', 0, 'passwordFile']`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Thrown when config validation fails; carries every bad field, not just the first. */
export class ConfigError extends RegcredError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options: { source?: string; cause?: unknown } = {}) {
    const where = options.source ? ` in ${options.source}` : '';
    super(ErrorCode.ConfigInvalid, `invalid configuration${where}:\n${formatIssues(issues)}`, {
      cause: options.cause,
      retryable: false,
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `registries[0].passwordFile: must not be empty`, one line per issue. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `  ✖ ${formatPath(issue.path)}: ${issue.message}`).join('\n');
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

export function isRegcredError(error: unknown, code?: ErrorCode): error is RegcredError {
  return error instanceof RegcredError && (code === undefined || error.code === code);
}

/** The message of any thrown value, for wrapping. Callers must still keep secrets out of it. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
