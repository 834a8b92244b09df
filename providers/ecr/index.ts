import { defineProvider, type ProviderFactory } from '../../src/core/provider.ts';
import { validateWithZod } from '../../src/core/validate.ts';
import { type EcrConfig, ecrConfigSchema } from './config.ts';
import { createEcrProvider } from './ecr-provider.ts';
import { UndiciHttpHandler } from './http-handler.ts';
import { describeIdentity, resolveBaseIdentity } from './identity.ts';
import type { RetryPolicy } from './retry.ts';
import { type AuthorizationTokenApi, createSdkApi, type SdkApiOptions } from './sdk-api.ts';

export type { EcrConfig } from './config.ts';

/** Per AWS API call (connect, headers, body); the caller's per-registry `timeout` bounds the whole fetch. */
export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 30_000;

/** Seams for tests and embedders; every one has the real default. */
export interface EcrFactoryOptions {
  /** Builds the API seam; defaults to the real ECR / ECR Public / STS SDK clients. */
  readonly createApi?: (options: SdkApiOptions) => AuthorizationTokenApi;
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
  readonly random?: () => number;
}

/**
 * The `ecr` provider factory: AWS ECR and ECR Public tokens through the AWS SDK, every call sent through
 * the context's undici dispatcher. `create` does no I/O; see `createEcrProvider` for what `getCredential` throws.
 */
export function createEcrFactory(options: EcrFactoryOptions = {}): ProviderFactory<EcrConfig> {
  const createApi = options.createApi ?? createSdkApi;
  return defineProvider<EcrConfig>({
    id: 'ecr',
    description:
      'AWS ECR and ECR Public: GetAuthorizationToken with the AWS credential chain or an assumed role',
    validateConfig: (raw) => validateWithZod(ecrConfigSchema, raw),
    create(config, context) {
      const base = resolveBaseIdentity(config, context.env);
      if (base.kind === 'environment-keys') {
        context.registerSecret(base.secretAccessKey);
        if (base.sessionToken !== undefined) context.registerSecret(base.sessionToken);
      }
      const identity = describeIdentity(base, config);
      const requestHandler = new UndiciHttpHandler({
        dispatcher: context.dispatcher,
        requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_AWS_REQUEST_TIMEOUT_MS,
      });
      const api = createApi({
        config,
        base,
        env: context.env,
        clock: context.clock,
        requestHandler,
        registerSecret: context.registerSecret,
      });
      return createEcrProvider({
        api,
        identity,
        clock: context.clock,
        logger: context.logger.child({ provider: 'ecr' }),
        registerSecret: context.registerSecret,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.random === undefined ? {} : { random: options.random }),
      });
    },
  });
}

const ecr: ProviderFactory<EcrConfig> = createEcrFactory();
export default ecr;
