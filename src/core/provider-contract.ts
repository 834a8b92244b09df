import { ErrorCode, RegcredError } from './errors.ts';
import type { ProviderFactory } from './provider.ts';

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Checks that a module's export is a provider factory and says exactly what is missing.
 * `origin` names the module for the message (`package "regcred-provider-harbor"`).
 */
export function assertProviderFactory(candidate: unknown, origin: string): ProviderFactory {
  const problems: string[] = [];
  if (candidate === null || typeof candidate !== 'object') {
    throw new RegcredError(
      ErrorCode.ProviderContract,
      `${origin} does not export a provider factory: expected an object with id, description, validateConfig and create (as the default export or as "provider"), got ${describe(candidate)}`,
    );
  }
  const record = candidate as Record<string, unknown>;
  if (typeof record.id !== 'string') problems.push('"id" must be a string');
  else if (!ID_PATTERN.test(record.id))
    problems.push(`"id" ${JSON.stringify(record.id)} must match ${ID_PATTERN}`);
  if (typeof record.description !== 'string') problems.push('"description" must be a string');
  if (typeof record.validateConfig !== 'function') problems.push('"validateConfig(raw)" must be a function');
  if (typeof record.create !== 'function') problems.push('"create(config, context)" must be a function');
  if (record.canDiscoverHosts !== undefined && typeof record.canDiscoverHosts !== 'boolean') {
    problems.push('"canDiscoverHosts" must be a boolean when present');
  }
  if (problems.length > 0) {
    throw new RegcredError(
      ErrorCode.ProviderContract,
      `${origin} does not satisfy the provider contract: ${problems.join('; ')}`,
    );
  }
  return candidate as ProviderFactory;
}

/** Checks a live instance returned by `create`. */
export function assertProviderInstance(instance: unknown, origin: string): void {
  const problems: string[] = [];
  if (instance === null || typeof instance !== 'object') {
    throw new RegcredError(
      ErrorCode.ProviderContract,
      `${origin}: create() returned ${describe(instance)}, not a provider`,
    );
  }
  const record = instance as Record<string, unknown>;
  if (typeof record.id !== 'string') problems.push('"id" must be a string');
  if (typeof record.getCredential !== 'function')
    problems.push('"getCredential(host, {signal})" must be a function');
  for (const optional of ['cacheKey', 'discoverHosts', 'close']) {
    if (record[optional] !== undefined && typeof record[optional] !== 'function') {
      problems.push(`"${optional}" must be a function when present`);
    }
  }
  if (problems.length > 0) {
    throw new RegcredError(
      ErrorCode.ProviderContract,
      `${origin}: the provider instance ${problems.join('; ')}`,
    );
  }
}

/** Checks a credential a provider returned for `host` and says what is wrong with it (no secrets). */
export function credentialProblems(value: unknown, host: string): string[] {
  if (value === null || typeof value !== 'object') return [`getCredential returned ${describe(value)}`];
  const c = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof c.username !== 'string' || c.username === '')
    problems.push('"username" must be a non-empty string');
  if (typeof c.password !== 'string' || c.password === '')
    problems.push('"password" must be a non-empty string');
  if (!(c.expiresAt === null || (c.expiresAt instanceof Date && !Number.isNaN(c.expiresAt.getTime())))) {
    problems.push('"expiresAt" must be a valid Date or null');
  }
  if (!Array.isArray(c.hosts) || !c.hosts.every((h) => typeof h === 'string')) {
    problems.push('"hosts" must be an array of strings');
  } else if (!c.hosts.includes(host)) {
    problems.push(`"hosts" must include the requested host ${host}`);
  }
  return problems;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
