import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { RegistryEntry } from '../core/credential-source.ts';
import { ConfigError, type ConfigIssue, ErrorCode, errorMessage, isRegcredError } from '../core/errors.ts';
import { isConcreteHost, parseHostPattern } from '../core/image-pattern.ts';
import type { ProviderFactory } from '../core/provider.ts';
import { type ProviderRegistry, unknownProviderMessage } from '../core/provider-registry.ts';
import { DEFAULT_REFRESH_POLICY, type RefreshPolicy } from '../core/refresh-policy.ts';
import { zodIssues } from '../core/validate.ts';
import { loadExternalProvider, looksLikeExternalProvider, type ModuleImporter } from './external-provider.ts';
import { COMMON_REGISTRY_KEYS, configSchema, type RegcredConfig } from './schema.ts';

/** One registry entry, validated and bound to its provider factory; nothing is built yet. */
export interface ResolvedRegistry {
  readonly entry: RegistryEntry;
  readonly factory: ProviderFactory;
  /** The provider-specific config, as returned by `factory.validateConfig`. */
  readonly providerConfig: unknown;
  readonly refresh: RefreshPolicy;
  readonly timeoutMs: number;
}

export interface LoadedConfig {
  readonly path: string;
  readonly dir: string;
  readonly config: RegcredConfig;
  readonly registries: readonly ResolvedRegistry[];
}

export interface LoadConfigOptions {
  readonly providers: ProviderRegistry;
  readonly cwd: string;
  readonly importer?: ModuleImporter;
  /** Reads the file; a seam for tests. */
  readonly readText?: (path: string) => Promise<string>;
}

/** Where regcred looks when neither `--config` nor `REGCRED_CONFIG` is given, in order. */
export function defaultConfigPaths(env: Readonly<Record<string, string | undefined>>): string[] {
  const paths: string[] = [];
  if (env.XDG_CONFIG_HOME) paths.push(join(env.XDG_CONFIG_HOME, 'regcred', 'config.yaml'));
  if (env.HOME) paths.push(join(env.HOME, '.config', 'regcred', 'config.yaml'));
  paths.push('/etc/regcred/config.yaml');
  return paths;
}

/**
 * `--config`, else `REGCRED_CONFIG`, else the first default path that exists (the docker credential helper
 * is started without flags). A ConfigError naming every place looked at when none is found.
 */
export function resolveConfigPath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  exists: (path: string) => boolean = existsSync,
): string {
  const chosen = flag ?? env.REGCRED_CONFIG;
  if (chosen !== undefined && chosen !== '') return resolve(cwd, chosen);
  const defaults = defaultConfigPaths(env);
  const found = defaults.find((path) => exists(path));
  if (found !== undefined) return found;
  throw new ConfigError([
    {
      path: [],
      message: `no config file: pass --config FILE, set REGCRED_CONFIG, or create one of ${defaults.join(', ')}`,
    },
  ]);
}

/**
 * Reads, parses and validates the config file, and validates every registry entry with its provider's own
 * schema. Collects every issue before failing: a ConfigError lists them all with their paths.
 */
export async function loadConfig(path: string, options: LoadConfigOptions): Promise<LoadedConfig> {
  const readText = options.readText ?? ((p: string) => readFile(p, 'utf8'));
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    throw new ConfigError([{ path: [], message: `cannot read ${path}: ${errorMessage(error)}` }], {
      cause: error,
    });
  }
  return parseConfig(text, { ...options, path });
}

export async function parseConfig(
  text: string,
  options: LoadConfigOptions & { path: string },
): Promise<LoadedConfig> {
  const source = options.path;
  const raw = parseYaml(text, source);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(zodIssues(parsed.error), { source });
  const config = parsed.data;
  const dir = dirname(options.path);
  const issues: ConfigIssue[] = [];
  const registries: ResolvedRegistry[] = [];
  const names = new Map<string, number>();

  for (const [index, entryConfig] of config.registries.entries()) {
    const at = (...rest: (string | number)[]) => ['registries', index, ...rest];
    const factory = await resolveFactory(entryConfig.provider, options, dir, (message) =>
      issues.push({ path: at('provider'), message }),
    );
    const hosts = entryConfig.hosts ?? [];
    for (const [hostIndex, host] of hosts.entries()) {
      try {
        parseHostPattern(host);
      } catch (error) {
        issues.push({ path: at('hosts', hostIndex), message: errorMessage(error) });
      }
    }
    const name = entryConfig.name ?? hosts[0] ?? `${entryConfig.provider}-${index}`;
    const previous = names.get(name);
    if (previous !== undefined) {
      issues.push({
        path: at('name'),
        message: `name "${name}" is already used by registries[${previous}]; give each entry its own name`,
      });
    }
    names.set(name, index);
    if (factory === undefined) continue;
    if (hosts.length === 0 && !factory.canDiscoverHosts) {
      issues.push({ path: at('hosts'), message: `provider "${factory.id}" needs at least one host` });
    }
    const rest = Object.fromEntries(
      Object.entries(entryConfig).filter(
        ([key]) => !(COMMON_REGISTRY_KEYS as readonly string[]).includes(key),
      ),
    );
    const validation = factory.validateConfig(rest);
    if (!validation.ok) {
      for (const issue of validation.issues) issues.push({ path: at(...issue.path), message: issue.message });
      continue;
    }
    registries.push({
      entry: { name, providerId: factory.id, hosts },
      factory,
      providerConfig: validation.value,
      refresh: {
        fraction: entryConfig.refresh.fraction,
        marginMs: entryConfig.refresh.margin,
        longLivedMaxAgeMs: DEFAULT_REFRESH_POLICY.longLivedMaxAgeMs,
      },
      timeoutMs: entryConfig.timeout,
    });
  }

  checkReferences(config, registries, issues);
  if (issues.length > 0) throw new ConfigError(issues, { source });
  return { path: options.path, dir, config, registries };
}

function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const pos = error.pos[0] === undefined ? undefined : lineCounter.linePos(error.pos[0]);
        const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
        return { path: [], message: `YAML syntax error at ${where}${error.message.split('\n')[0]}` };
      }),
      { source },
    );
  }
  if (!isMap(document.contents) && !isSeq(document.contents)) {
    throw new ConfigError(
      [{ path: [], message: 'the config must be a YAML mapping with a "registries" list' }],
      {
        source,
      },
    );
  }
  return document.toJS();
}

async function resolveFactory(
  id: string,
  options: LoadConfigOptions,
  dir: string,
  report: (message: string) => void,
): Promise<ProviderFactory | undefined> {
  if (options.providers.has(id)) return options.providers.load(id);
  if (!looksLikeExternalProvider(id)) {
    report(unknownProviderMessage(id, options.providers.ids()));
    return undefined;
  }
  try {
    return await loadExternalProvider(id, {
      configDir: dir,
      cwd: options.cwd,
      ...(options.importer ? { importer: options.importer } : {}),
    });
  } catch (error) {
    if (
      isRegcredError(error) &&
      (error.code === ErrorCode.ProviderLoad || error.code === ErrorCode.ProviderContract)
    ) {
      report(error.message);
      return undefined;
    }
    throw error;
  }
}

/** `secrets[].registries` must name configured registries (by name or concrete host). */
function checkReferences(
  config: RegcredConfig,
  registries: readonly ResolvedRegistry[],
  issues: ConfigIssue[],
): void {
  const known = new Set<string>();
  for (const r of registries) {
    known.add(r.entry.name);
    for (const host of r.entry.hosts) if (isConcreteHost(host)) known.add(parseHostPattern(host).key);
  }
  const listKnown = () => [...known].map((k) => `"${k}"`).join(', ') || '(none)';
  for (const [i, target] of config.secrets.entries()) {
    if (target.registries === 'all') continue;
    for (const [j, ref] of target.registries.entries()) {
      if (!known.has(ref) && !known.has(ref.toLowerCase())) {
        issues.push({
          path: ['secrets', i, 'registries', j],
          message: `"${ref}" is neither the name nor a host of a configured registry; known: ${listKnown()}`,
        });
      }
    }
  }
}
