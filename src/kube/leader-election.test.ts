import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import { ErrorCode, RegcredError } from '../core/errors.ts';
import { LeaderElection } from './leader-election.ts';
import type { LeaseObject } from './types.ts';

/** An in-memory Lease store with real resourceVersion conflicts. */
function leaseStore() {
  let lease: LeaseObject | undefined;
  let version = 0;
  const conflict = () => new RegcredError(ErrorCode.KubeApi, 'conflict', { details: { status: 409 } });
  return {
    get current() {
      return lease;
    },
    async getLease() {
      return lease === undefined ? undefined : structuredClone(lease);
    },
    async createLease(next: LeaseObject) {
      if (lease) throw conflict();
      lease = {
        ...structuredClone(next),
        metadata: { ...next.metadata, resourceVersion: String(++version) },
      };
      return lease;
    },
    async replaceLease(next: LeaseObject) {
      if (lease?.metadata.resourceVersion !== next.metadata.resourceVersion) throw conflict();
      lease = {
        ...structuredClone(next),
        metadata: { ...next.metadata, resourceVersion: String(++version) },
      };
      return lease;
    },
  };
}

describe('LeaderElection', () => {
  it('elects one of two candidates; the other takes over only after the lease expires', async () => {
    const clock = new FakeClock();
    const store = leaseStore();
    let aBroken = false;
    const clientA = {
      getLease: () => store.getLease(),
      createLease: (lease: LeaseObject) => store.createLease(lease),
      replaceLease: async (lease: LeaseObject) => {
        if (aBroken) throw new RegcredError(ErrorCode.KubeApi, 'unavailable', { details: { status: 503 } });
        return store.replaceLease(lease);
      },
    };
    const options = {
      client: store,
      namespace: 'ns',
      name: 'regcred',
      leaseDurationMs: 10_000,
      retryPeriodMs: 1_000,
      clock,
    };
    const a = new LeaderElection({ ...options, client: clientA, identity: 'a' });
    const b = new LeaderElection({ ...options, identity: 'b' });
    const stopA = new AbortController();
    const stopB = new AbortController();
    const runA = a.run(stopA.signal);
    await clock.advance(10);
    const runB = b.run(stopB.signal);
    for (let i = 0; i < 30; i++) {
      await clock.advance(500);
      expect(a.isLeader && b.isLeader).toBe(false);
    }
    expect(a.isLeader).toBe(true);
    expect(store.current?.spec.holderIdentity).toBe('a');

    // a's API access breaks (it stops renewing): it steps down before b may take over.
    const lostSignal = a.leadershipSignal;
    aBroken = true;
    let sawBoth = false;
    for (let i = 0; i < 40 && !b.isLeader; i++) {
      await clock.advance(500);
      if (a.isLeader && b.isLeader) sawBoth = true;
    }
    expect(sawBoth).toBe(false);
    expect(a.isLeader).toBe(false);
    expect(b.isLeader).toBe(true);
    expect(store.current?.spec.leaseTransitions).toBe(1);
    expect(lostSignal.aborted).toBe(true);
    stopA.abort();
    stopB.abort();
    await Promise.all([runA, runB]);
  });

  it('releases the lease on shutdown so another replica can take it at once', async () => {
    const clock = new FakeClock();
    const store = leaseStore();
    const a = new LeaderElection({
      client: store,
      namespace: 'ns',
      name: 'l',
      identity: 'a',
      leaseDurationMs: 15_000,
      clock,
    });
    const stop = new AbortController();
    const running = a.run(stop.signal);
    await clock.advance(10);
    expect(a.isLeader).toBe(true);
    stop.abort();
    await running;
    expect(store.current?.spec.holderIdentity).toBeNull();
  });
});
