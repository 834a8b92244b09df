import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import type { ProviderContext } from '../../../src/core/provider.ts';
import { FakeClock } from '../clock.ts';
import { captureLogs, type LogCapture } from '../log-capture.ts';
import { createTestCa } from '../tls/test-ca.ts';
import { type FakeAcr, startFakeAcr } from './fake-acr.ts';
import { type FakeEntra, type FakeEntraClient, startFakeEntra } from './fake-entra.ts';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const SECRET_CLIENT = {
  clientId: '11111111-1111-1111-1111-111111111111',
  secret: 'fake-client-secret-Q7~x9',
};
export const WORKLOAD_CLIENT = {
  clientId: '22222222-2222-2222-2222-222222222222',
  federatedToken:
    'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL29pZGMuZmFrZSIsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpyZWdjcmVkOnJlZ2NyZWQifQ.c2lnbmF0dXJl',
};

/**
 * A fake Azure for provider tests: a test CA, Entra ID and one ACR login server over https on
 * loopback, an undici Agent trusting the CA (the `context.dispatcher`), and a FakeClock.
 */
export interface AzureWorld {
  readonly caPem: string;
  readonly entra: FakeEntra;
  readonly acr: FakeAcr;
  readonly dispatcher: Agent;
  readonly clock: FakeClock;
  readonly dir: string;
  /** Makes the fake ACR also accept tokens from another issuer (the fake managed identity endpoint). */
  trust(issued: ReadonlySet<string>): void;
  /** A provider context with fresh captured logs; `env` defaults to empty. */
  context(env?: Record<string, string | undefined>): { context: ProviderContext; logs: LogCapture };
  stop(): Promise<void>;
}

export async function startAzureWorld(extraClients: readonly FakeEntraClient[] = []): Promise<AzureWorld> {
  const ca = createTestCa();
  const tls = ca.issue(['127.0.0.1', 'localhost']);
  const clock = new FakeClock(Date.UTC(2026, 10, 28, 12, 0, 0));
  const entra = await startFakeEntra({
    tls,
    tenantId: TENANT_ID,
    clients: [SECRET_CLIENT, WORKLOAD_CLIENT, ...extraClients],
  });
  const trusted: ReadonlySet<string>[] = [entra.issued];
  const acr = await startFakeAcr({
    tls,
    now: () => clock.now(),
    accepts: (token) => trusted.some((issued) => issued.has(token)),
  });
  const dispatcher = new Agent({ connect: { ca: ca.caPem } });
  const dir = mkdtempSync(join(tmpdir(), 'regcred-acr-'));
  return {
    caPem: ca.caPem,
    entra,
    acr,
    dispatcher,
    clock,
    dir,
    trust(issued) {
      trusted.push(issued);
    },
    context(env = {}) {
      const logs = captureLogs();
      return {
        logs,
        context: {
          logger: logs.logger,
          clock,
          dispatcher,
          env,
          configDir: dir,
          registerSecret: (secret) => logs.scrubber.add(secret),
        },
      };
    },
    async stop() {
      await Promise.all([entra.stop(), acr.stop()]);
      await dispatcher.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits for `promise` while moving the fake clock in small steps, so retry back-offs and deadlines
 * that sleep on the clock come due. Bounded: throws after `maxSteps`.
 */
export async function drive<T>(
  clock: FakeClock,
  promise: Promise<T>,
  stepMs = 50,
  maxSteps = 4000,
): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let step = 0; !settled; step++) {
    if (step >= maxSteps) throw new Error(`promise still pending after ${maxSteps} clock steps`);
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (!settled) await clock.advance(stepMs);
  }
  return promise;
}
