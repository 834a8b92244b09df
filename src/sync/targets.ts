import type { SecretTarget } from '../config/secrets-schema.ts';
import type { RegistryEntry } from '../core/credential-source.ts';
import { ConfigError, type ConfigIssue, isRegcredError } from '../core/errors.ts';
import { compileNamespaceSelection, type NamespaceMatcher } from './namespace-selection.ts';

/** A `secrets:` target resolved against the configured registries, ready to match namespaces. */
export interface CompiledTarget {
  readonly config: SecretTarget;
  readonly name: string;
  readonly namespaces: NamespaceMatcher;
  /** Names of the registry entries this target carries. */
  readonly registries: ReadonlySet<string>;
  readonly serviceAccounts: readonly string[];
}

/**
 * Resolves every target. `registries` items name an entry (`name`), or one of its host patterns, or a
 * host the credential source matches. Throws ConfigError with every unknown item and bad selector.
 */
export function compileTargets(
  targets: readonly SecretTarget[],
  registries: readonly RegistryEntry[],
  match: (host: string) => RegistryEntry | undefined,
): CompiledTarget[] {
  const issues: ConfigIssue[] = [];
  const compiled: CompiledTarget[] = [];
  targets.forEach((target, index) => {
    const names = new Set<string>();
    if (target.registries === 'all') {
      for (const entry of registries) names.add(entry.name);
    } else {
      target.registries.forEach((item, itemIndex) => {
        const entry =
          registries.find((candidate) => candidate.name === item || candidate.hosts.includes(item)) ??
          match(item);
        if (entry) names.add(entry.name);
        else
          issues.push({
            path: ['secrets', index, 'registries', itemIndex],
            message: `no registry named or serving "${item}" (known: ${registries.map((r) => r.name).join(', ') || 'none'})`,
          });
      });
    }
    try {
      const namespaces = compileNamespaceSelection(target.namespaces, ['secrets', index, 'namespaces']);
      compiled.push({
        config: target,
        name: target.name,
        namespaces,
        registries: names,
        serviceAccounts: target.serviceAccounts,
      });
    } catch (error) {
      if (isRegcredError(error) && error instanceof ConfigError) issues.push(...error.issues);
      else throw error;
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return compiled;
}
