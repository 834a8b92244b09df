import { ErrorCode, RegcredError } from './errors.ts';
import type { ProviderFactory } from './provider.ts';
import { assertProviderFactory } from './provider-contract.ts';

type Loader = () => Promise<ProviderFactory>;

/**
 * The providers regcred knows, by id. Registered explicitly (src/cli does it for the built-ins); no
 * global map, so every test builds its own. A provider may be registered lazily: its module (and its
 * cloud SDK, which can take seconds to import) is loaded only when a config uses it, which keeps the
 * credential helper and one-shot commands quick to start.
 */
export class ProviderRegistry {
  readonly #loaders = new Map<string, Loader>();
  readonly #loaded = new Map<string, Promise<ProviderFactory>>();

  /** Throws ERR_PROVIDER_DUPLICATE when the id is taken. */
  register(factory: ProviderFactory): this {
    return this.registerLazy(factory.id, async () => factory);
  }

  /** Registers `id` with a loader that imports the provider module on first use. */
  registerLazy(id: string, load: Loader): this {
    if (this.#loaders.has(id)) {
      throw new RegcredError(ErrorCode.ProviderDuplicate, `a provider with id "${id}" is already registered`);
    }
    this.#loaders.set(id, load);
    return this;
  }

  has(id: string): boolean {
    return this.#loaders.has(id);
  }

  /** Loads the factory for `id`. Throws ERR_PROVIDER_UNKNOWN naming the known ids. */
  load(id: string): Promise<ProviderFactory> {
    const loader = this.#loaders.get(id);
    if (loader === undefined) {
      return Promise.reject(
        new RegcredError(ErrorCode.ProviderUnknown, unknownProviderMessage(id, this.ids())),
      );
    }
    let loaded = this.#loaded.get(id);
    if (loaded === undefined) {
      loaded = loader().then((factory) => {
        const checked = assertProviderFactory(factory, `built-in provider "${id}"`);
        if (checked.id !== id) {
          throw new RegcredError(
            ErrorCode.ProviderContract,
            `provider registered as "${id}" calls itself "${checked.id}"`,
          );
        }
        return checked;
      });
      this.#loaded.set(id, loaded);
    }
    return loaded;
  }

  ids(): string[] {
    return [...this.#loaders.keys()].sort();
  }

  /** Loads every provider (for listings). */
  list(): Promise<ProviderFactory[]> {
    return Promise.all(this.ids().map((id) => this.load(id)));
  }
}

export function unknownProviderMessage(id: string, known: readonly string[]): string {
  return `unknown provider "${id}": known providers are ${known.map((k) => `"${k}"`).join(', ')}; an external provider is named by an npm package or a path starting with ./ or /`;
}
