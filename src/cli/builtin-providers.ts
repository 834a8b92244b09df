import { ProviderRegistry } from '../core/provider-registry.ts';

/**
 * The providers that ship with regcred, registered explicitly (STYLE: no side-effect imports). Each
 * module, with its cloud SDK, is imported only when a config names it: the credential helper answers
 * docker in a fraction of the time it would take to load every SDK.
 */
export function builtinProviders(): ProviderRegistry {
  return new ProviderRegistry()
    .registerLazy('static', async () => (await import('../../providers/static/index.ts')).default)
    .registerLazy('ecr', async () => (await import('../../providers/ecr/index.ts')).default)
    .registerLazy('google', async () => (await import('../../providers/google/index.ts')).default)
    .registerLazy('acr', async () => (await import('../../providers/acr/index.ts')).default);
}
