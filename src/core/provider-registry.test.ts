import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.ts';
import { defineProvider, type ProviderFactory } from './provider.ts';
import { ProviderRegistry } from './provider-registry.ts';

const factory = (id: string): ProviderFactory =>
  defineProvider({
    id,
    description: `${id} provider`,
    validateConfig: () => ({ ok: true, value: {} }),
    create: () => ({ id, getCredential: () => Promise.reject(new Error('unused')) }),
  });

describe('ProviderRegistry', () => {
  it('throws on a duplicate id', () => {
    const registry = new ProviderRegistry().register(factory('ecr'));
    expect(() => registry.register(factory('ecr'))).toThrow(
      expect.objectContaining({ code: ErrorCode.ProviderDuplicate }),
    );
    expect(() => registry.registerLazy('ecr', async () => factory('ecr'))).toThrow(/already registered/);
  });

  it('names the known ids for an unknown one', async () => {
    const registry = new ProviderRegistry().register(factory('static')).register(factory('acr'));
    await expect(registry.load('harbour')).rejects.toMatchObject({
      code: ErrorCode.ProviderUnknown,
      message: expect.stringContaining('unknown provider "harbour": known providers are "acr", "static"'),
    });
  });

  it('loads a lazy provider once, on first use', async () => {
    let loads = 0;
    const registry = new ProviderRegistry().registerLazy('google', async () => {
      loads++;
      return factory('google');
    });
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([registry.load('google'), registry.load('google')]);
    expect(a).toBe(b);
    expect(loads).toBe(1);
  });

  it('refuses a module that does not satisfy the contract or calls itself by another id', async () => {
    const registry = new ProviderRegistry()
      .registerLazy('broken', async () => ({ id: 'broken' }) as unknown as ProviderFactory)
      .registerLazy('renamed', async () => factory('other'));
    await expect(registry.load('broken')).rejects.toMatchObject({ code: ErrorCode.ProviderContract });
    await expect(registry.load('renamed')).rejects.toThrow(
      'provider registered as "renamed" calls itself "other"',
    );
  });
});
