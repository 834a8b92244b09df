import type { NamespaceSelection } from '../config/secrets-schema.ts';
import { ConfigError } from '../core/errors.ts';

/**
 * Namespaces a glob never matches: only an exact name in `include` selects them. Writing pull secrets
 * into them is almost always a mistake (and `kube-node-lease` holds only Leases).
 */
export const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-system',
  'kube-public',
  'kube-node-lease',
]);

export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** True while the namespace is being deleted: writes there fail with 403, so it is skipped. */
  readonly terminating: boolean;
}

type Requirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'notexists' };

/** A parsed Kubernetes label selector (equality- and set-based). */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`. Throws ConfigError naming `path` on bad syntax. */
export function parseLabelSelector(
  text: string,
  path: readonly (string | number)[] = ['selector'],
): LabelSelector {
  const fail = (message: string): never => {
    throw new ConfigError([{ path, message: `label selector "${text}": ${message}` }]);
  };
  const requirements: Requirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (part === '') fail('empty requirement');
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    let requirement: Requirement;
    if (set) {
      const values = (set[3] ?? '').split(',').map((v) => v.trim());
      requirement = { key: set[1] ?? '', op: set[2] === 'in' ? 'in' : 'notin', values };
    } else if (part.startsWith('!')) {
      requirement = { key: part.slice(1).trim(), op: 'notexists' };
    } else {
      const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
      if (eq) {
        requirement = { key: eq[1] ?? '', op: eq[2] === '!=' ? 'notin' : 'in', values: [eq[3] ?? ''] };
      } else if (/^[^\s=!()]+$/.test(part)) {
        requirement = { key: part, op: 'exists' };
      } else {
        return fail(`cannot parse "${part}"`);
      }
    }
    if (!KEY.test(requirement.key)) fail(`invalid label key "${requirement.key}"`);
    if ('values' in requirement) {
      for (const value of requirement.values) if (!VALUE.test(value)) fail(`invalid label value "${value}"`);
    }
    requirements.push(requirement);
  }
  return { requirements };
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return selector.requirements.every((req) => {
    const has = Object.hasOwn(labels, req.key);
    const value = labels[req.key];
    switch (req.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && req.values.includes(value ?? '');
      case 'notin':
        return !has || !req.values.includes(value ?? '');
      default:
        return false;
    }
  });
}

/** `*` matches any run of characters, `?` one; everything else literally. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** A compiled namespace selection; `matches` is pure and cheap (called per namespace event). */
export interface NamespaceMatcher {
  matches(namespace: Pick<NamespaceInfo, 'name' | 'labels'>): boolean;
  /** Name rules only (include/exclude/system), for offline dry-run where labels are unknown. */
  matchesName(name: string): boolean;
  /** Names listed literally in `include` (what dry-run renders when no cluster is reachable). */
  readonly literalNames: readonly string[];
}

export function compileNamespaceSelection(
  selection: NamespaceSelection,
  path: readonly (string | number)[] = ['namespaces'],
): NamespaceMatcher {
  const include = selection.include.map((pattern) => ({ pattern, re: globToRegExp(pattern) }));
  const exclude = selection.exclude.map((pattern) => globToRegExp(pattern));
  const selector =
    selection.selector === undefined
      ? undefined
      : parseLabelSelector(selection.selector, [...path, 'selector']);
  const literalNames = selection.include.filter((pattern) => !isGlob(pattern));
  const matchesName = (name: string): boolean => {
    const included = SYSTEM_NAMESPACES.has(name)
      ? literalNames.includes(name)
      : include.some((item) => item.re.test(name));
    return included && !exclude.some((re) => re.test(name));
  };
  return {
    literalNames,
    matchesName,
    matches(namespace) {
      if (!matchesName(namespace.name)) return false;
      return selector === undefined || matchesLabelSelector(selector, namespace.labels);
    },
  };
}
