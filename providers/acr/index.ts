import { defineProvider } from '../../src/core/provider.ts';
import { validateWithZod } from '../../src/core/validate.ts';
import { type AcrConfig, acrConfigSchema } from './config.ts';
import { AcrProvider } from './provider.ts';

/** Azure Container Registry through Entra ID (workload identity, managed identity, service principal). */
const acr = defineProvider<AcrConfig>({
  id: 'acr',
  description: 'Azure Container Registry: Entra ID token exchanged for an ACR refresh token',
  validateConfig: (raw) => validateWithZod(acrConfigSchema, raw),
  create: (config, context) => new AcrProvider(config, context),
});

export default acr;
export type { AcrConfig } from './config.ts';
export { ACR_REFRESH_TOKEN_USERNAME, AcrProvider } from './provider.ts';
