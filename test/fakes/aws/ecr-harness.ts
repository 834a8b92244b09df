import { Agent, type Dispatcher } from 'undici';
import { createEcrFactory, type EcrFactoryOptions } from '../../../providers/ecr/index.ts';
import type { Clock } from '../../../src/core/clock.ts';
import type { ProviderContext, RegistryProvider } from '../../../src/core/provider.ts';
import { captureLogs, type LogCapture } from '../log-capture.ts';

/** A clock at real time whose sleeps return at once and are recorded (backoff without waiting). */
export interface RecordingClock extends Clock {
  readonly sleeps: number[];
}

export function recordingClock(): RecordingClock {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
    },
  };
}

export interface EcrHarness {
  readonly provider: RegistryProvider;
  readonly logs: LogCapture;
  readonly clock: RecordingClock;
  /** Every value the provider registered as a secret. */
  readonly registered: string[];
  close(): Promise<void>;
}

export interface EcrHarnessOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The provider-specific part of the registries[] entry. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Defaults to a fresh undici Agent, closed with the harness. */
  readonly dispatcher?: Dispatcher;
  readonly factory?: EcrFactoryOptions;
  /**
   * Whether registered secrets are scrubbed from the captured log (as in production). Off, a test
   * proves the provider never logs a secret in the first place.
   */
  readonly scrub?: boolean;
}

/** Builds the real `ecr` provider (real SDK clients) with a capturing logger and an instant clock. */
export function ecrHarness(options: EcrHarnessOptions): EcrHarness {
  const logs = captureLogs();
  const clock = recordingClock();
  const registered: string[] = [];
  const ownDispatcher = options.dispatcher === undefined ? new Agent() : undefined;
  const factory = createEcrFactory({
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    ...options.factory,
  });
  const validation = factory.validateConfig(options.config ?? {});
  if (!validation.ok) throw new Error(`bad test config: ${JSON.stringify(validation.issues)}`);
  const context: ProviderContext = {
    logger: logs.logger,
    clock,
    dispatcher: options.dispatcher ?? (ownDispatcher as Dispatcher),
    env: options.env,
    configDir: process.cwd(),
    registerSecret: (secret) => {
      registered.push(secret);
      if (options.scrub ?? true) logs.scrubber.add(secret);
    },
  };
  const provider = factory.create(validation.value, context);
  return {
    provider,
    logs,
    clock,
    registered,
    close: async () => {
      await provider.close?.();
      await ownDispatcher?.close();
    },
  };
}
