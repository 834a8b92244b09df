import type { Logger } from 'pino';
import type { Clock } from '../../src/core/clock.ts';
import type { Credential } from '../../src/core/credential.ts';
import { ErrorCode, isRegcredError, RegcredError } from '../../src/core/errors.ts';
import type { GetCredentialOptions, RegistryProvider } from '../../src/core/provider.ts';
import { withRetries } from '../../src/core/retry.ts';
import { SingleFlight } from '../../src/core/single-flight.ts';
import { type AwsFailure, classifyAwsFailure, describeFailure } from './aws-errors.ts';
import { corePolicy, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import type { AuthorizationTokenApi } from './sdk-api.ts';
import { describeTarget, type EcrTarget, hostsCoveredBy, targetForHost, targetKey } from './target.ts';
import { type DecodedToken, decodeAuthorizationData } from './token.ts';

export interface EcrProviderOptions {
  readonly api: AuthorizationTokenApi;
  /** Words naming the identity (`role arn:aws:iam::…`, `default credential chain`), for errors and logs. */
  readonly identity: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registerSecret: (secret: string) => void;
  readonly retry?: RetryPolicy;
  /** Uniform [0, 1) source for backoff jitter. */
  readonly random?: () => number;
}

/**
 * The ECR provider over a narrow API seam: host → (account, region) → one coalesced, retried
 * `GetAuthorizationToken` → a credential covering every host form of that account and region.
 * Errors follow the `RegistryProvider` contract and name the registry and the identity, never a secret.
 */
export function createEcrProvider(options: EcrProviderOptions): RegistryProvider {
  const { api, identity, clock, logger } = options;
  const policy = corePolicy(options.retry ?? DEFAULT_RETRY_POLICY);
  const random = options.random ?? Math.random;
  const flights = new SingleFlight<DecodedToken>();

  const keyFor = (target: EcrTarget) => `${targetKey(target)}|${identity}`;

  async function fetchToken(target: EcrTarget, host: string, signal: AbortSignal): Promise<DecodedToken> {
    const where = { registry: host, target: describeTarget(target), identity };
    logger.debug(where, 'fetching ECR authorization token');
    let attempts = 0;
    try {
      const data = await withRetries(
        (attempt) => {
          attempts = attempt;
          return api.getAuthorizationToken(target, signal);
        },
        {
          policy,
          clock,
          signal,
          random,
          shouldRetry: (error) => isRetryable(classifyAwsFailure(error)),
          onRetry: (error, attempt, delayMs) => {
            const failure = classifyAwsFailure(error);
            logger.warn(
              { ...where, attempt, delayMs, awsError: failure.name, httpStatus: failure.httpStatus },
              'ECR token fetch failed; retrying',
            );
          },
          // toRegcredError turns an aborted signal into ERR_TIMEOUT or ERR_ABORTED itself.
          onAbort: (reason) => reason,
        },
      );
      if (typeof data?.authorizationToken === 'string') options.registerSecret(data.authorizationToken);
      const token = decodeAuthorizationData(data ?? {}, host, clock.now());
      options.registerSecret(token.password);
      logger.info(
        { ...where, attempts, expiresAt: token.expiresAt.toISOString() },
        'fetched ECR authorization token',
      );
      return token;
    } catch (error) {
      throw toRegcredError(error, { host, target, identity, attempts, signal, api });
    }
  }

  async function getCredential(registryHost: string, { signal }: GetCredentialOptions): Promise<Credential> {
    const target = targetForHost(registryHost);
    const token = await flights.run(
      keyFor(target),
      signal,
      (shared) => fetchToken(target, registryHost, shared),
      () => abortError(signal, registryHost),
    );
    return {
      username: token.username,
      password: token.password,
      expiresAt: token.expiresAt,
      hosts: hostsCoveredBy(target, registryHost),
      source: `ecr:${identity}`,
    };
  }

  return {
    id: 'ecr',
    getCredential,
    cacheKey(registryHost: string): string {
      try {
        return keyFor(targetForHost(registryHost));
      } catch {
        return registryHost.toLowerCase();
      }
    },
    async close() {
      flights.abortAll(new RegcredError(ErrorCode.Aborted, 'ECR provider closed'));
      api.close();
    },
  };
}

function isRetryable(failure: AwsFailure): boolean {
  return failure.kind === 'throttled' || failure.kind === 'transient' || failure.kind === 'timeout';
}

/** A timeout signal (`AbortSignal.timeout`, the caller's per-call timeout) is ERR_TIMEOUT; any other abort ERR_ABORTED. */
function abortError(signal: AbortSignal, host: string): RegcredError {
  const reason: unknown = signal.reason;
  if (isRegcredError(reason)) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new RegcredError(
      ErrorCode.Timeout,
      `ECR registry ${host}: fetching the authorization token timed out`,
      {
        details: { registry: host },
      },
    );
  }
  return new RegcredError(
    ErrorCode.Aborted,
    `ECR registry ${host}: fetching the authorization token was cancelled`,
    {
      details: { registry: host },
    },
  );
}

interface ErrorContext {
  readonly host: string;
  readonly target: EcrTarget;
  readonly identity: string;
  readonly attempts: number;
  readonly signal: AbortSignal;
  readonly api: AuthorizationTokenApi;
}

/**
 * Maps whatever the SDK threw to the contract's codes. AWS error messages are never copied: a
 * signature mismatch message quotes the canonical request, which holds the session token.
 */
function toRegcredError(error: unknown, ctx: ErrorContext): RegcredError {
  const { host, target, identity } = ctx;
  if (ctx.signal.aborted) return abortError(ctx.signal, host);
  const failure = classifyAwsFailure(error);
  const details = {
    registry: host,
    identity,
    awsError: failure.name,
    httpStatus: failure.httpStatus,
    requestId: failure.requestId,
    attempts: ctx.attempts,
  };
  const cause = new Error(describeFailure(failure));
  const prefix = `ECR registry ${host} (${describeTarget(target)})`;
  if (isRegcredError(error) && failure.kind !== 'timeout') return error;
  if (failure.kind === 'auth') {
    // A rejected identity may be a stale session: the next fetch starts from fresh clients.
    ctx.api.reset(target);
    return new RegcredError(
      ErrorCode.CredentialAuth,
      `${prefix}: AWS rejected the identity ${identity}: ${describeFailure(failure)}. ` +
        'Check that it may call ecr:GetAuthorizationToken (and sts:AssumeRole for roleArn)',
      { cause, details },
    );
  }
  if (failure.kind === 'invalid') {
    return new RegcredError(
      ErrorCode.CredentialInvalid,
      `${prefix}: the GetAuthorizationToken answer for ${identity} could not be read: ${describeFailure(failure)}`,
      { cause, details },
    );
  }
  const after = `after ${ctx.attempts} attempt${ctx.attempts === 1 ? '' : 's'}`;
  if (failure.kind === 'throttled') {
    return new RegcredError(
      ErrorCode.CredentialThrottled,
      `${prefix}: AWS kept throttling GetAuthorizationToken for ${identity} ${after}: ${describeFailure(failure)}`,
      { cause, details },
    );
  }
  if (failure.kind === 'timeout') {
    return new RegcredError(
      ErrorCode.Timeout,
      `${prefix}: GetAuthorizationToken for ${identity} timed out ${after}`,
      { cause, details },
    );
  }
  return new RegcredError(
    ErrorCode.CredentialFetch,
    `${prefix}: GetAuthorizationToken for ${identity} failed ${after}: ${describeFailure(failure)}`,
    { cause, details },
  );
}
