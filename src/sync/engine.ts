import type { KubeConfig } from '@kubernetes/client-node';
import type { SecretTarget, SyncSettings } from '../config/secrets-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { CredentialSource } from '../core/credential-source.ts';
import type { Logger } from '../core/logger.ts';
import type { SecretScrubber } from '../core/redaction.ts';
import { EventRecorder } from '../kube/event-recorder.ts';
import { createKubeClient, type KubeClient } from '../kube/kube-client.ts';
import { RateLimiter } from '../kube/rate-limiter.ts';
import { CredentialSet } from './credential-set.ts';
import { Reconciler } from './reconciler.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { type CompiledTarget, compileTargets } from './targets.ts';

export interface SyncEngine {
  readonly client: KubeClient;
  readonly credentials: CredentialSet;
  readonly targets: CompiledTarget[];
  readonly reconciler: Reconciler;
  readonly recorder: EventRecorder;
}

export interface SyncEngineOptions {
  readonly kubeConfig: KubeConfig;
  readonly source: CredentialSource;
  readonly secrets: readonly SecretTarget[];
  readonly settings: SyncSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly scrubber?: SecretScrubber;
  readonly metrics?: SyncMetrics;
  readonly identity: string;
  /**
   * `oneshot` (sync, CronJob): keep an entry until it is due (less than 1 − refreshFraction of life left).
   * `daemon` (run): keep it while it outlives the next scheduled rotation ((1 + jitter) × fraction) plus the
   * margin, so a restart does not rewrite every Secret and a rotation still rewrites in time.
   */
  readonly mode: 'oneshot' | 'daemon';
}

/** Wires the pieces both modes share. Throws ConfigError for targets that do not resolve. */
export async function createSyncEngine(options: SyncEngineOptions): Promise<SyncEngine> {
  const targets = compileTargets(options.secrets, options.source.registries, (host) =>
    options.source.match(host),
  );
  // Pacing API calls is real-time I/O, not logic: the transport keeps the system clock even when tests fake time.
  const limiter = new RateLimiter({
    qps: options.settings.qps,
    burst: options.settings.burst,
    concurrency: options.settings.concurrency,
  });
  const client = await createKubeClient({ kubeConfig: options.kubeConfig, limiter });
  const credentials = new CredentialSet({
    source: options.source,
    clock: options.clock,
    logger: options.logger,
    ...(options.scrubber ? { scrubber: options.scrubber } : {}),
  });
  const recorder = new EventRecorder({
    client,
    reportingInstance: options.identity,
    clock: options.clock,
    logger: options.logger,
    ...(options.scrubber ? { scrubber: options.scrubber } : {}),
  });
  const reconciler = new Reconciler({
    client,
    credentials,
    recorder,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    keepFresh:
      options.mode === 'oneshot'
        ? {
            minRemainingFraction: 1 - options.settings.refreshFraction,
            marginMs: 0,
            now: () => options.clock.now(),
          }
        : {
            minRemainingFraction: (1 + options.settings.refreshJitter) * options.settings.refreshFraction,
            marginMs: options.settings.refreshMargin,
            now: () => options.clock.now(),
          },
  });
  return { client, credentials, targets, reconciler, recorder };
}
