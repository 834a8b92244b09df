import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { isRegcredError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import type { SecretScrubber } from '../core/redaction.ts';
import type { KubeClient } from './kube-client.ts';
import { statusOf } from './kube-error.ts';
import type { EventSubject } from './types.ts';

export interface EventRecorderOptions {
  readonly client: Pick<KubeClient, 'createEvent'>;
  readonly reportingInstance: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Applied to every message: Events are readable by anyone who can read the namespace. */
  readonly scrubber?: SecretScrubber;
  /** The same (object, reason, message) is reported at most once per this window. Default 1 h. */
  readonly dedupeWindowMs?: number;
}

/**
 * Reports Events on the object they are about. Best effort: a failed Event is logged, never thrown,
 * and repeats are suppressed so a daemon re-failing every resync does not flood the namespace.
 */
export class EventRecorder {
  readonly #options: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #recent = new Map<string, number>();

  constructor(options: EventRecorderOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
  }

  async warn(subject: EventSubject, reason: string, message: string): Promise<void> {
    await this.#record(subject, 'Warning', reason, message);
  }

  async normal(subject: EventSubject, reason: string, message: string): Promise<void> {
    await this.#record(subject, 'Normal', reason, message);
  }

  async #record(
    subject: EventSubject,
    type: 'Normal' | 'Warning',
    reason: string,
    raw: string,
  ): Promise<void> {
    const message = (this.#options.scrubber?.scrub(raw) ?? raw).slice(0, 1024);
    const key = `${subject.kind}/${subject.namespace}/${subject.name}/${reason}/${message}`;
    const now = this.#clock.now();
    const last = this.#recent.get(key);
    if (last !== undefined && now - last < (this.#options.dedupeWindowMs ?? 3_600_000)) return;
    this.#recent.set(key, now);
    if (this.#recent.size > 10_000) this.#recent.delete(this.#recent.keys().next().value ?? '');
    try {
      // A Namespace is cluster-scoped: its Events carry no involvedObject.namespace and live in `default`.
      const clusterScoped = subject.kind === 'Namespace';
      await this.#options.client.createEvent({
        namespace: clusterScoped ? 'default' : subject.namespace,
        involvedObject: {
          apiVersion: 'v1',
          kind: subject.kind,
          ...(clusterScoped ? {} : { namespace: subject.namespace }),
          name: subject.name,
          ...(subject.uid === undefined ? {} : { uid: subject.uid }),
        },
        reason,
        message,
        type,
        reportingInstance: this.#options.reportingInstance,
        time: new Date(now),
      });
    } catch (error) {
      // Warn, with the status only: a lost Event hides a failure from `kubectl describe`, and the error
      // (response body, server message) may quote the object the Event was about.
      const status = statusOf(error);
      const code = isRegcredError(error) ? error.code : undefined;
      this.#logger.warn(
        { reason, kind: subject.kind, namespace: subject.namespace, name: subject.name, status, code },
        `event ${reason} about ${subject.kind} ${subject.namespace}/${subject.name} not recorded: ${status === undefined ? 'no response from the API server' : `HTTP ${status}`}`,
      );
    }
  }
}
