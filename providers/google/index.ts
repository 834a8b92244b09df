import { defineProvider } from '../../src/core/provider.ts';
import { validateWithZod } from '../../src/core/validate.ts';
import { type GoogleConfig, googleConfigSchema } from './config.ts';
import { GoogleProvider } from './provider.ts';

export type { GoogleConfig } from './config.ts';
export { GoogleProvider, type GoogleProviderDeps, OAUTH_USERNAME } from './provider.ts';

/**
 * Google Container Registry and Artifact Registry: Application Default Credentials (metadata server,
 * GOOGLE_APPLICATION_CREDENTIALS, workload identity federation, impersonation) or a service-account key.
 */
export default defineProvider<GoogleConfig>({
  id: 'google',
  description:
    'Google Container Registry and Artifact Registry (ADC, Workload Identity, service-account keys)',
  canDiscoverHosts: true,
  validateConfig: (raw) => validateWithZod(googleConfigSchema, raw),
  create: (config, context) => new GoogleProvider(config, context),
});
