import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import type { KubeClient } from './kube-client.ts';
import { statusOf } from './kube-error.ts';
import type { LeaseObject } from './types.ts';

export interface LeaderElectionOptions {
  readonly client: Pick<KubeClient, 'getLease' | 'createLease' | 'replaceLease'>;
  readonly namespace: string;
  readonly name: string;
  /** This replica's identity (pod name + random suffix). */
  readonly identity: string;
  /** How long a lease stays valid without renewal. */
  readonly leaseDurationMs: number;
  /** How often the holder renews and others retry (default leaseDuration / 5). */
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Called with true when this replica becomes leader, false when it stops being leader. */
  readonly onChange?: (leading: boolean) => void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go: writes use the Lease's
 * resourceVersion, so two replicas never both win; expiry is judged by the local time at which the
 * Lease was last seen to change (not the holder's clock), so clock skew cannot steal a live lease.
 * A leader that cannot renew within the lease duration steps down before others may take over.
 */
export class LeaderElection {
  readonly #options: LeaderElectionOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #retryMs: number;
  #leading = false;
  #observed: { record: string; at: number } | undefined;
  #lastRenew = 0;
  #controller = new AbortController();

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? silentLogger()).child({
      lease: `${options.namespace}/${options.name}`,
    });
    this.#retryMs = options.retryPeriodMs ?? Math.max(200, options.leaseDurationMs / 5);
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Aborts when this replica stops leading (in-flight writes should stop). Fresh per term. */
  get leadershipSignal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Renewed within 80 % of the lease duration: still safely the leader while a renewal fails. */
  #renewedRecently(): boolean {
    return this.#clock.now() - this.#lastRenew < this.#options.leaseDurationMs * 0.8;
  }

  /** Campaigns and renews until `signal` aborts, then releases the lease if held. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const acquired = await this.#tryAcquireOrRenew(signal);
        if (acquired) this.#lastRenew = this.#clock.now();
        this.#setLeading(acquired || (this.#leading && this.#renewedRecently()));
      } catch (error) {
        if (signal.aborted) break;
        this.#logger.warn({ err: error }, `lease update failed: ${errorMessage(error)}`);
        if (this.#leading && !this.#renewedRecently()) this.#setLeading(false);
      }
      try {
        await this.#clock.sleep(this.#retryMs * (0.9 + Math.random() * 0.2), signal);
      } catch {
        break;
      }
    }
    await this.release();
  }

  /** Gives the lease up (holder cleared, 1 s duration) so another replica takes over at once. */
  async release(): Promise<void> {
    if (!this.#leading) return;
    this.#setLeading(false);
    try {
      const lease = await this.#options.client.getLease(this.#options.namespace, this.#options.name);
      if (lease?.spec.holderIdentity !== this.#options.identity) return;
      await this.#options.client.replaceLease({
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: new Date(this.#clock.now()).toISOString(),
        },
      });
      this.#logger.info('lease released');
    } catch (error) {
      this.#logger.warn({ err: error }, `lease release failed: ${errorMessage(error)}`);
    }
  }

  #setLeading(leading: boolean): void {
    if (leading === this.#leading) return;
    this.#leading = leading;
    if (!leading) {
      this.#controller.abort(new Error('leadership lost'));
      this.#controller = new AbortController();
    }
    this.#logger.info({ leading }, leading ? 'became leader' : 'stopped leading');
    this.#options.onChange?.(leading);
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { client, namespace, name, identity } = this.#options;
    const now = this.#clock.now();
    const nowIso = new Date(now).toISOString();
    const durationSeconds = Math.max(1, Math.ceil(this.#options.leaseDurationMs / 1000));
    const existing = await client.getLease(namespace, name, signal);
    if (!existing) {
      try {
        await client.createLease(
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: nowIso,
              renewTime: nowIso,
              leaseTransitions: 0,
            },
          },
          signal,
        );
        return true;
      } catch (error) {
        if (statusOf(error) === 409) return false;
        throw error;
      }
    }
    const record = JSON.stringify([
      existing.spec.holderIdentity,
      existing.spec.renewTime,
      existing.spec.leaseDurationSeconds,
    ]);
    if (this.#observed?.record !== record) this.#observed = { record, at: now };
    const holder = existing.spec.holderIdentity ?? '';
    const durationMs = (existing.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    const expired = holder === '' || this.#observed.at + durationMs <= now;
    if (holder !== identity && !expired) return false;
    const next: LeaseObject = {
      ...existing,
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: holder === identity ? (existing.spec.acquireTime ?? nowIso) : nowIso,
        renewTime: nowIso,
        leaseTransitions: (existing.spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      },
    };
    try {
      await client.replaceLease(next, signal);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }
}
