import staticProvider from '../../providers/static/index.ts';
import { ProviderRegistry } from '../core/provider-registry.ts';

/** The providers that ship with regcred, registered explicitly (STYLE: no side-effect imports). */
export function builtinProviders(): ProviderRegistry {
  return new ProviderRegistry().register(staticProvider);
}
