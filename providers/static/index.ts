import type { Credential } from '../../src/core/credential.ts';
import { defineProvider, type RegistryProvider } from '../../src/core/provider.ts';
import { validateWithZod } from '../../src/core/validate.ts';
import { type StaticConfig, staticConfigSchema } from './config.ts';
import { passwordSource } from './password-source.ts';

/**
 * Username and password from the config, a file or an environment variable: Docker Hub, Harbor, Quay,
 * self-hosted registries, ACR admin users. Long-lived (`expiresAt: null`); a password file is re-read when
 * it changes.
 */
export const staticProvider = defineProvider<StaticConfig>({
  id: 'static',
  description: 'a fixed username and password from the config, a file or an environment variable',
  validateConfig: (raw) => validateWithZod(staticConfigSchema, raw),
  create(config, context): RegistryProvider {
    const source = passwordSource(config, context.env, context.configDir);
    return {
      id: 'static',
      async getCredential(registryHost): Promise<Credential> {
        const password = await source.read();
        context.registerSecret(password);
        return {
          username: config.username,
          password,
          expiresAt: null,
          hosts: [registryHost],
          source: `static:${source.description}`,
        };
      },
    };
  },
});

export default staticProvider;
