import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { type GoogleConfig, googleConfigSchema } from '../../../providers/google/config.ts';
import { GoogleProvider, type GoogleProviderDeps } from '../../../providers/google/provider.ts';
import type { ProviderContext } from '../../../src/core/provider.ts';
import { FakeClock } from '../clock.ts';
import { captureLogs, type LogCapture } from '../log-capture.ts';

/** Test wiring: a provider with a fake clock, captured logs and a loopback-only env. */
export interface TestProvider {
  readonly provider: GoogleProvider;
  readonly clock: FakeClock;
  readonly logs: LogCapture;
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

export interface TestProviderOptions {
  readonly config?: Record<string, unknown>;
  readonly env?: Record<string, string | undefined>;
  readonly dispatcher?: Dispatcher;
  readonly clock?: FakeClock;
  readonly configDir?: string;
  readonly deps?: GoogleProviderDeps;
}

export function parseConfig(raw: Record<string, unknown>): GoogleConfig {
  return googleConfigSchema.parse(raw);
}

export function makeTestProvider(options: TestProviderOptions = {}): TestProvider {
  const clock = options.clock ?? new FakeClock(Date.now());
  const logs = captureLogs();
  const dispatcher = options.dispatcher ?? new Agent();
  const context: ProviderContext = {
    logger: logs.logger,
    clock,
    dispatcher,
    // HOME points nowhere so gcloud's well-known file on this machine is never picked up.
    env: { HOME: '/nonexistent', ...options.env },
    configDir: options.configDir ?? '/nonexistent',
    registerSecret: (secret) => logs.scrubber.add(secret),
  };
  const provider = new GoogleProvider(parseConfig(options.config ?? {}), context, {
    random: () => 0.5,
    ...options.deps,
  });
  return {
    provider,
    clock,
    logs,
    dispatcher,
    close: async () => {
      await provider.close();
      await dispatcher.close();
    },
  };
}

export const signal = (): AbortSignal => new AbortController().signal;

/**
 * Waits for `promise` while moving the fake clock in small steps, giving real loopback I/O time to
 * happen between steps (backoff sleeps and attempt timeouts run on the fake clock, sockets do not).
 * Resolves to the value or the error.
 */
export async function settle<T>(promise: Promise<T>, clock: FakeClock, stepMs = 1000): Promise<T | unknown> {
  let done = false;
  const outcome = promise.then(
    (value) => {
      done = true;
      return value as T | unknown;
    },
    (error: unknown) => {
      done = true;
      return error;
    },
  );
  for (let i = 0; i < 2000 && !done; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (!done) await clock.advance(stepMs);
  }
  return outcome;
}

/** A service-account key like the ones `gcloud iam service-accounts keys create` writes, with a real RSA key. */
export function makeServiceAccountKey(email = 'puller@demo-project.iam.gserviceaccount.com'): {
  json: string;
  publicKey: KeyObject;
  privateKeyPem: string;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const json = JSON.stringify(
    {
      type: 'service_account',
      project_id: 'demo-project',
      private_key_id: 'a1b2c3d4e5f6',
      private_key: privateKeyPem,
      client_email: email,
      client_id: '123456789012345678901',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
    },
    null,
    2,
  );
  return { json, publicKey, privateKeyPem };
}
