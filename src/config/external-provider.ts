import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, errorMessage, RegcredError } from '../core/errors.ts';
import type { ProviderFactory } from '../core/provider.ts';
import { assertProviderFactory } from '../core/provider-contract.ts';

/** Imports a module by URL or specifier; a seam so tests can load fixtures without touching node_modules. */
export type ModuleImporter = (specifier: string) => Promise<Record<string, unknown>>;

const defaultImporter: ModuleImporter = (specifier) => import(specifier) as Promise<Record<string, unknown>>;

/** `./x.js`, `../x`, `/abs/x.js`: a file next to the config, not a package. */
export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
}

/**
 * Does a `provider:` value name an external module rather than a built-in id? Paths, scoped packages and
 * names with a slash or the `regcred-provider-` prefix do; a bare word is a built-in id.
 */
export function looksLikeExternalProvider(value: string): boolean {
  return (
    isPathSpecifier(value) ||
    value.startsWith('@') ||
    value.includes('/') ||
    value.startsWith('regcred-provider-')
  );
}

/**
 * Loads a third-party provider: a path (resolved against the config's folder) or an npm package (resolved
 * from regcred's own install, then from the config's folder and the working directory). The module must
 * export a provider factory as `default` or `provider`. Throws ERR_PROVIDER_LOAD or ERR_PROVIDER_CONTRACT.
 */
export async function loadExternalProvider(
  specifier: string,
  options: { configDir: string; cwd: string; importer?: ModuleImporter },
): Promise<ProviderFactory> {
  const importer = options.importer ?? defaultImporter;
  const origin = isPathSpecifier(specifier)
    ? `provider module ${specifier}`
    : `provider package "${specifier}"`;
  const module = await importModule(specifier, options, importer, origin);
  const candidate = module.default ?? module.provider;
  if (candidate === undefined) {
    throw new RegcredError(
      ErrorCode.ProviderContract,
      `${origin} has neither a default export nor an export named "provider"; export the provider factory as one of them`,
    );
  }
  return assertProviderFactory(candidate, origin);
}

async function importModule(
  specifier: string,
  options: { configDir: string; cwd: string },
  importer: ModuleImporter,
  origin: string,
): Promise<Record<string, unknown>> {
  if (isPathSpecifier(specifier)) {
    const url = pathToFileURL(resolve(options.configDir, specifier)).href;
    return importOrExplain(url, importer, origin);
  }
  try {
    return await importer(specifier);
  } catch (error) {
    if (!isModuleNotFound(error)) throw loadError(origin, error);
  }
  for (const base of [options.configDir, options.cwd]) {
    let resolved: string;
    try {
      resolved = createRequire(resolve(base, 'package.json')).resolve(specifier);
    } catch {
      continue;
    }
    return importOrExplain(pathToFileURL(resolved).href, importer, origin);
  }
  throw new RegcredError(
    ErrorCode.ProviderLoad,
    `${origin} is not installed: install it next to regcred (npm install ${specifier}) or name it by path`,
  );
}

async function importOrExplain(
  url: string,
  importer: ModuleImporter,
  origin: string,
): Promise<Record<string, unknown>> {
  try {
    return await importer(url);
  } catch (error) {
    throw loadError(origin, error);
  }
}

function loadError(origin: string, error: unknown): RegcredError {
  return new RegcredError(ErrorCode.ProviderLoad, `${origin} could not be loaded: ${errorMessage(error)}`, {
    cause: error,
  });
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}
