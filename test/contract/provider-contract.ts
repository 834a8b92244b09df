import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { isRegcredError } from '../../src/core/errors.ts';
import type { ProviderContext, ProviderFactory, RegistryProvider } from '../../src/core/provider.ts';
import {
  assertProviderFactory,
  assertProviderInstance,
  credentialProblems,
} from '../../src/core/provider-contract.ts';
import { captureLogs, type LogCapture } from '../fakes/log-capture.ts';

/** What a provider's own test file supplies to run the shared contract suite. */
export interface ProviderContractOptions {
  readonly factory: ProviderFactory;
  /** A valid provider-specific config (a `registries[]` entry minus provider/name/hosts/refresh/timeout). */
  readonly validConfig: Readonly<Record<string, unknown>>;
  /** Configs the provider must reject, each with the path its first issue must point at. */
  readonly invalidConfigs?: readonly {
    readonly name: string;
    readonly raw: Readonly<Record<string, unknown>>;
    readonly path: readonly (string | number)[];
  }[];
  /**
   * Starts whatever fakes the provider talks to. Returns the registry host to ask for, context overrides
   * (env pointing at the fakes, a dispatcher trusting a test CA…), every secret the fakes hand out (none may
   * reach a log line), and a teardown.
   */
  setup(): Promise<ContractFixture>;
}

export interface ContractFixture {
  readonly host: string;
  readonly context?: Partial<Omit<ProviderContext, 'logger' | 'registerSecret'>>;
  readonly secrets: () => readonly string[];
  readonly teardown?: () => Promise<void>;
}

/**
 * The provider contract every provider (built-in or external) must pass. Call it at the top level of a
 * test file: `describeProviderContract({ factory, validConfig, setup })`.
 */
export function describeProviderContract(options: ProviderContractOptions): void {
  const { factory } = options;
  describe(`provider contract: ${factory.id}`, () => {
    let fixture: ContractFixture;
    let logs: LogCapture;
    let provider: RegistryProvider;
    let dispatcher: Agent | undefined;

    beforeAll(async () => {
      fixture = await options.setup();
      logs = captureLogs('trace');
      const validation = factory.validateConfig(options.validConfig);
      if (!validation.ok) throw new Error(`validConfig was rejected: ${JSON.stringify(validation.issues)}`);
      if (fixture.context?.dispatcher === undefined) dispatcher = new Agent();
      provider = factory.create(validation.value, {
        clock: systemClock,
        env: {},
        configDir: process.cwd(),
        ...fixture.context,
        dispatcher: fixture.context?.dispatcher ?? (dispatcher as Agent),
        logger: logs.logger,
        registerSecret: (secret) => logs.scrubber.add(secret),
      });
    });

    afterAll(async () => {
      await provider?.close?.();
      await dispatcher?.close();
      await fixture?.teardown?.();
    });

    it('exports a factory that satisfies the contract', () => {
      expect(() => assertProviderFactory(factory, `provider "${factory.id}"`)).not.toThrow();
    });

    it('accepts its valid config without throwing or doing I/O', () => {
      expect(factory.validateConfig(options.validConfig).ok).toBe(true);
    });

    it('rejects unknown keys, so a typo is a config error rather than a silent default', () => {
      const result = factory.validateConfig({ ...options.validConfig, definitelyNotAKey: true });
      expect(result.ok).toBe(false);
    });

    it('returns issues (never throws) for garbage input', () => {
      for (const raw of [{ x: 1 }, { username: 42 }, { hosts: 'nope' }]) {
        expect(() => factory.validateConfig(raw)).not.toThrow();
      }
    });

    for (const invalid of options.invalidConfigs ?? []) {
      it(`rejects an invalid config: ${invalid.name}`, () => {
        const result = factory.validateConfig(invalid.raw);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.issues[0]?.path).toEqual(invalid.path);
      });
    }

    it('builds an instance that satisfies the contract', () => {
      expect(() => assertProviderInstance(provider, factory.id)).not.toThrow();
      expect(provider.id).toBe(factory.id);
    });

    it('returns a well-formed, unexpired credential for its host', async () => {
      const credential = await provider.getCredential(fixture.host, { signal: AbortSignal.timeout(20_000) });
      expect(credentialProblems(credential, fixture.host)).toEqual([]);
      if (credential.expiresAt !== null) expect(credential.expiresAt.getTime()).toBeGreaterThan(Date.now());
    });

    it('gives one host a stable cache key', () => {
      if (provider.cacheKey === undefined) return;
      expect(provider.cacheKey(fixture.host)).toBe(provider.cacheKey(fixture.host));
    });

    it('fails with a RegcredError, not a raw error, when cancelled', async () => {
      const controller = new AbortController();
      controller.abort(new Error('cancelled by the contract test'));
      const outcome = await provider.getCredential(fixture.host, { signal: controller.signal }).then(
        () => 'resolved',
        (error: unknown) => (isRegcredError(error) ? 'regcred-error' : `raw: ${String(error)}`),
      );
      // A provider may answer from memory without I/O; if it does fail, it fails with a coded error.
      expect(['resolved', 'regcred-error']).toContain(outcome);
    });

    it('never writes a secret to the log', async () => {
      const credential = await provider.getCredential(fixture.host, { signal: AbortSignal.timeout(20_000) });
      logs.assertNoSecrets([credential.password, ...fixture.secrets()]);
    });
  });
}
