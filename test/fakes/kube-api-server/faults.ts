import type { ResourceInfo } from './resources.ts';
import { ApiError, conflict, forbidden, invalid, notFound, qualifiedResource } from './status.ts';
import type { FaultInjector, FaultRule, RecordedRequest } from './types.ts';

const REASONS: Record<FaultRule['status'], string> = {
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** Rules checked in the order added; the first match answers, and a `times` rule wears out. */
export class Faults implements FaultInjector {
  #rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.#rules.push({ ...rule });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The error a matching rule injects, or undefined. Consumes one of the rule's `times`. */
  match(req: RecordedRequest, r: ResourceInfo | undefined): ApiError | undefined {
    const index = this.#rules.findIndex((rule) => matches(rule, req));
    if (index < 0) return undefined;
    const rule = this.#rules[index]!;
    if (rule.times !== undefined) {
      rule.times--;
      if (rule.times <= 0) this.#rules.splice(index, 1);
    }
    return faultError(rule, req, r);
  }
}

function matches(rule: FaultRule, req: RecordedRequest): boolean {
  if (rule.verb !== undefined) {
    const verbs = Array.isArray(rule.verb) ? rule.verb : [rule.verb];
    if (!verbs.includes(req.verb)) return false;
  }
  if (rule.resource !== undefined && rule.resource !== req.resource) return false;
  if (rule.namespace !== undefined && rule.namespace !== req.namespace) return false;
  if (rule.name !== undefined && rule.name !== req.name) return false;
  return true;
}

/** A Status body shaped like the real one for that code (RBAC wording for 403). */
function faultError(rule: FaultRule, req: RecordedRequest, r: ResourceInfo | undefined): ApiError {
  const name = req.name ?? '';
  if (r && rule.message === undefined) {
    switch (rule.status) {
      case 403: {
        const scope = req.namespace ? ` in the namespace "${req.namespace}"` : ' at the cluster scope';
        return forbidden(
          r,
          req.name,
          `User "system:serviceaccount:regcred:regcred" cannot ${req.verb} resource "${r.resource}" in API group "${r.group}"${scope}`,
        );
      }
      case 404:
        return notFound(r, name);
      case 409:
        return conflict(r, name);
      case 422:
        return invalid(r, name, [
          { reason: 'FieldValueInvalid', message: 'Invalid value: injected fault', field: 'metadata' },
        ]);
    }
  }
  const defaults: Record<number, string> = {
    429: 'Too many requests, please try again later.',
    500: 'Internal error occurred: injected fault',
    503: 'The server is currently unable to handle the request',
  };
  const message =
    rule.message ??
    defaults[rule.status] ??
    `${r ? qualifiedResource(r) : 'resource'} "${name}": injected ${rule.status}`;
  const retry = rule.retryAfterSeconds ?? (rule.status === 429 ? 1 : undefined);
  const details = retry !== undefined ? { retryAfterSeconds: retry } : undefined;
  return new ApiError(rule.status, REASONS[rule.status], message, details, retry);
}
