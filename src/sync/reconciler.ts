import { ErrorCode, errorMessage, RegcredError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { EventRecorder } from '../kube/event-recorder.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { statusOf, toKubeError } from '../kube/kube-error.ts';
import type { SecretObject, ServiceAccountObject } from '../kube/types.ts';
import type { CredentialSet, TargetCredentials } from './credential-set.ts';
import { planSecret, releaseSecret, type SecretPlan } from './desired-secret.ts';
import { Reason } from './reasons.ts';
import {
  planServiceAccountAdd,
  planServiceAccountRemove,
  wantsServiceAccount,
} from './service-account-plan.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import type { CompiledTarget } from './targets.ts';

export type SecretResult = 'created' | 'updated' | 'unchanged' | 'deleted' | 'not-managed' | 'failed';

export interface SecretOutcome {
  readonly target: string;
  readonly namespace: string;
  readonly result: SecretResult;
  /** What the API returned after a write (fed back into caches). */
  readonly secret?: SecretObject;
  readonly error?: RegcredError;
}

export interface ReconcilerDeps {
  readonly client: KubeClient;
  readonly credentials: CredentialSet;
  readonly recorder: EventRecorder;
  readonly logger: Logger;
  readonly metrics?: SyncMetrics;
  /** Keep entries that are not yet due for a rewrite (see SecretPlanInput.keepFresh). */
  readonly keepFresh?: {
    readonly minRemainingFraction: number;
    readonly marginMs: number;
    readonly now: () => number;
  };
}

/** Conflicts (409) are re-read and retried this many times before the namespace counts as failed. */
const MAX_CONFLICT_RETRIES = 3;

/**
 * The per-namespace work of both modes: make the target's Secret in `namespace` match the desired state
 * (get → plan → write, re-reading on 409), then its ServiceAccounts. Never throws for API failures:
 * they become a `failed` outcome, a Warning Event and a log line, so one namespace never stops others.
 */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #createPlans = new Map<
    string,
    { target: CompiledTarget['config']; creds: TargetCredentials; plan: SecretPlan }
  >();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  async reconcileSecret(
    target: CompiledTarget,
    namespace: string,
    known: SecretObject | undefined,
    signal?: AbortSignal,
  ): Promise<SecretOutcome> {
    const { client, credentials, recorder } = this.#deps;
    // Fields on each line rather than a child logger per call: a pass over 10,000 unchanged namespaces
    // logs nothing and should allocate nothing for it.
    const logger = this.#deps.logger;
    const where = { target: target.name, namespace };
    let existing = known;
    for (let attempt = 0; ; attempt++) {
      const creds = credentials.forTarget(target.registries);
      const plan =
        existing === undefined
          ? this.#planCreate(target, namespace, creds)
          : planSecret({
              target: target.config,
              namespace,
              entries: creds.entries,
              unavailableKeys: creds.unavailableKeys,
              existing,
              ...(this.#deps.keepFresh
                ? {
                    keepFresh: {
                      minRemainingFraction: this.#deps.keepFresh.minRemainingFraction,
                      marginMs: this.#deps.keepFresh.marginMs,
                      now: this.#deps.keepFresh.now(),
                    },
                  }
                : {}),
            });
      try {
        switch (plan.action) {
          case 'unchanged':
            return { target: target.name, namespace, result: 'unchanged' };
          case 'no-credentials': {
            const error = new RegcredError(
              ErrorCode.CredentialFetch,
              `no credential available for target ${target.name} (registries: ${creds.failedRegistries.join(', ') || 'none'})`,
              { details: { target: target.name, namespace } },
            );
            return this.#failed(target, namespace, error, 'credentials');
          }
          case 'foreign': {
            this.#deps.metrics?.notManaged.inc({ target: target.name });
            const owner = plan.otherTarget ? `regcred target ${plan.otherTarget}` : 'something else';
            logger.warn(
              { ...where, reason: Reason.SecretNotManaged },
              `Secret ${namespace}/${target.name} is managed by ${owner}; left alone (set adopt: true to take it over)`,
            );
            await recorder.warn(
              { kind: 'Secret', namespace, name: target.name },
              Reason.SecretNotManaged,
              `Secret is not managed by regcred target ${target.name}; left alone (set adopt: true to take it over)`,
            );
            return { target: target.name, namespace, result: 'not-managed' };
          }
          case 'type-mismatch': {
            const error = new RegcredError(
              ErrorCode.KubeNotManaged,
              `Secret ${namespace}/${target.name} has type ${plan.type}, not kubernetes.io/dockerconfigjson; cannot adopt it`,
              { retryable: false, details: { target: target.name, namespace } },
            );
            await recorder.warn(
              { kind: 'Secret', namespace, name: target.name },
              Reason.SecretTypeMismatch,
              error.message,
            );
            return this.#failed(target, namespace, error, 'type');
          }
          case 'create': {
            const secret = await client.createSecret(plan.secret, signal);
            this.#deps.metrics?.secretWrites.inc({ target: target.name, result: 'created' });
            logger.info(
              { ...where, registries: creds.entries.length },
              `created Secret ${namespace}/${target.name}`,
            );
            return { target: target.name, namespace, result: 'created', secret };
          }
          case 'update': {
            const secret = await client.replaceSecret(plan.secret, signal);
            this.#deps.metrics?.secretWrites.inc({ target: target.name, result: 'updated' });
            if (plan.adopted) {
              logger.info(
                { ...where, reason: Reason.SecretAdopted },
                `adopted Secret ${namespace}/${target.name}`,
              );
              await recorder.normal(
                { kind: 'Secret', namespace, name: target.name },
                Reason.SecretAdopted,
                `regcred target ${target.name} adopted this Secret`,
              );
            } else {
              logger.info({ ...where, changed: plan.changed }, `updated Secret ${namespace}/${target.name}`);
            }
            return { target: target.name, namespace, result: 'updated', secret };
          }
        }
      } catch (error) {
        const status = statusOf(error);
        // 409 on create: it exists (not in our cache, maybe foreign); on update: it changed. 404 on update:
        // deleted meanwhile. Either way re-read and plan again.
        if (
          (status === 409 || (status === 404 && existing !== undefined)) &&
          attempt < MAX_CONFLICT_RETRIES
        ) {
          this.#deps.metrics?.secretWrites.inc({ target: target.name, result: 'conflict' });
          existing = await client.getSecret(namespace, target.name, signal).catch(() => undefined);
          continue;
        }
        const wrapped = toKubeError(error, {
          verb: 'write',
          resource: 'secrets',
          namespace,
          name: target.name,
        });
        // On the Secret when it exists; otherwise on its Namespace (cluster-scoped: the recorder files
        // that Event in `default` with no involvedObject.namespace, as the API server requires).
        await recorder.warn(
          existing
            ? {
                kind: 'Secret',
                namespace,
                name: target.name,
                ...(existing.metadata.uid ? { uid: existing.metadata.uid } : {}),
              }
            : { kind: 'Namespace', namespace, name: namespace },
          Reason.SecretWriteFailed,
          `regcred could not write Secret ${target.name}: ${wrapped.message}`,
        );
        return this.#failed(target, namespace, wrapped, 'write');
      }
    }
  }

  /**
   * The plan for a namespace without the Secret. It depends only on the target and its credentials, so it
   * is made once per credential set and stamped with each namespace (a first sync of 10,000 namespaces
   * would otherwise encode the same `.dockerconfigjson` 10,000 times).
   */
  #planCreate(target: CompiledTarget, namespace: string, creds: TargetCredentials): SecretPlan {
    let memo = this.#createPlans.get(target.name);
    if (!memo || memo.target !== target.config || !sameCredentials(memo.creds, creds)) {
      memo = {
        target: target.config,
        creds,
        plan: planSecret({
          target: target.config,
          namespace: '',
          entries: creds.entries,
          unavailableKeys: creds.unavailableKeys,
          existing: undefined,
        }),
      };
      this.#createPlans.set(target.name, memo);
    }
    const { plan } = memo;
    if (plan.action !== 'create') return plan;
    return { ...plan, secret: { ...plan.secret, metadata: { ...plan.secret.metadata, namespace } } };
  }

  #failed(target: CompiledTarget, namespace: string, error: RegcredError, stage: string): SecretOutcome {
    this.#deps.metrics?.secretWrites.inc({ target: target.name, result: 'failed' });
    this.#deps.logger.error(
      { target: target.name, namespace, stage, err: error },
      `target ${target.name} failed in namespace ${namespace}: ${error.message}`,
    );
    return { target: target.name, namespace, result: 'failed', error };
  }

  /**
   * Adds the Secret to the wanted ServiceAccounts' imagePullSecrets (merge patch with a resourceVersion
   * precondition, re-read on 409) and, when the target prunes, removes it from ones no longer wanted.
   * Returns the failures (empty when all is well) and the patched objects.
   */
  async reconcileServiceAccounts(
    target: CompiledTarget,
    namespace: string,
    serviceAccounts: readonly ServiceAccountObject[],
    signal?: AbortSignal,
  ): Promise<{ errors: RegcredError[]; patched: ServiceAccountObject[] }> {
    const errors: RegcredError[] = [];
    const patched: ServiceAccountObject[] = [];
    for (const initial of serviceAccounts) {
      const wanted = wantsServiceAccount(target.serviceAccounts, initial.metadata.name);
      if (!wanted && !target.config.prune) continue;
      let sa: ServiceAccountObject | undefined = initial;
      for (let attempt = 0; sa !== undefined; attempt++) {
        const patch = wanted
          ? planServiceAccountAdd(sa, target.name)
          : planServiceAccountRemove(sa, target.name);
        if (!patch) break;
        try {
          patched.push(
            await this.#deps.client.patchServiceAccount(namespace, sa.metadata.name, patch, signal),
          );
          this.#deps.metrics?.serviceAccountPatches.inc({ result: wanted ? 'added' : 'removed' });
          break;
        } catch (error) {
          if (statusOf(error) === 409 && attempt < MAX_CONFLICT_RETRIES) {
            sa = await this.#deps.client
              .getServiceAccount(namespace, sa.metadata.name, signal)
              .catch(() => undefined);
            continue;
          }
          if (statusOf(error) === 404) break;
          const wrapped = toKubeError(error, {
            verb: 'patch',
            resource: 'serviceaccounts',
            namespace,
            name: sa.metadata.name,
          });
          this.#deps.metrics?.serviceAccountPatches.inc({ result: 'failed' });
          this.#deps.logger.error(
            { target: target.name, namespace, serviceAccount: sa.metadata.name, err: wrapped },
            `patching ServiceAccount ${namespace}/${sa.metadata.name} failed: ${wrapped.message}`,
          );
          await this.#deps.recorder.warn(
            { kind: 'ServiceAccount', namespace, name: sa.metadata.name },
            Reason.ServiceAccountPatchFailed,
            `regcred could not add imagePullSecret ${target.name}: ${wrapped.message}`,
          );
          errors.push(wrapped);
          break;
        }
      }
    }
    return { errors, patched };
  }

  /** Removes what regcred wrote for `target` in a namespace that left the selection. */
  async prune(
    target: CompiledTarget,
    secret: SecretObject,
    serviceAccounts: readonly ServiceAccountObject[],
    signal?: AbortSignal,
  ): Promise<SecretOutcome> {
    const namespace = secret.metadata.namespace ?? '';
    try {
      for (const sa of serviceAccounts) {
        const patch = planServiceAccountRemove(sa, target.name);
        if (patch) await this.#deps.client.patchServiceAccount(namespace, sa.metadata.name, patch, signal);
      }
      const released = releaseSecret(secret);
      if (released) await this.#deps.client.replaceSecret(released, signal);
      else
        await this.#deps.client.deleteSecret(namespace, target.name, secret.metadata.resourceVersion, signal);
      this.#deps.metrics?.secretWrites.inc({ target: target.name, result: 'deleted' });
      this.#deps.logger.info({ target: target.name, namespace }, `pruned Secret ${namespace}/${target.name}`);
      return { target: target.name, namespace, result: 'deleted' };
    } catch (error) {
      const wrapped = toKubeError(error, {
        verb: 'delete',
        resource: 'secrets',
        namespace,
        name: target.name,
      });
      await this.#deps.recorder.warn(
        { kind: 'Secret', namespace, name: target.name },
        Reason.SecretPruneFailed,
        `regcred could not prune: ${errorMessage(wrapped)}`,
      );
      return this.#failed(target, namespace, wrapped, 'prune');
    }
  }
}

/** The same credentials (by identity: a refresh makes new Credential objects) for the same keys. */
function sameCredentials(a: TargetCredentials, b: TargetCredentials): boolean {
  if (a.entries.length !== b.entries.length || a.unavailableKeys.size !== b.unavailableKeys.size)
    return false;
  for (let i = 0; i < a.entries.length; i++) {
    const x = a.entries[i];
    const y = b.entries[i];
    if (x?.key !== y?.key || x?.registry !== y?.registry || x?.credential !== y?.credential) return false;
  }
  for (const key of a.unavailableKeys) if (!b.unavailableKeys.has(key)) return false;
  return true;
}
