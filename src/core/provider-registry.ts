import { ErrorCode, RegcredError } from './errors.ts';
import type { ProviderFactory } from './provider.ts';

/**
 * The providers regcred knows, by id. Registered explicitly (src/cli does it for the built-ins); no
 * global map, so every test builds its own.
 */
export class ProviderRegistry {
  readonly #factories = new Map<string, ProviderFactory>();

  /** Throws ERR_PROVIDER_DUPLICATE when the id is taken. */
  register(factory: ProviderFactory): this {
    if (this.#factories.has(factory.id)) {
      throw new RegcredError(
        ErrorCode.ProviderDuplicate,
        `a provider with id "${factory.id}" is already registered`,
      );
    }
    this.#factories.set(factory.id, factory);
    return this;
  }

  has(id: string): boolean {
    return this.#factories.has(id);
  }

  /** Throws ERR_PROVIDER_UNKNOWN naming the known ids. */
  get(id: string): ProviderFactory {
    const factory = this.#factories.get(id);
    if (factory === undefined) {
      throw new RegcredError(ErrorCode.ProviderUnknown, unknownProviderMessage(id, this.ids()));
    }
    return factory;
  }

  ids(): string[] {
    return [...this.#factories.keys()].sort();
  }

  list(): ProviderFactory[] {
    return this.ids().map((id) => this.get(id));
  }
}

export function unknownProviderMessage(id: string, known: readonly string[]): string {
  return `unknown provider "${id}": known providers are ${known.map((k) => `"${k}"`).join(', ')}; an external provider is named by an npm package or a path starting with ./ or /`;
}
