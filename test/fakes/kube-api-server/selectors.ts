import type { ResourceInfo } from './resources.ts';
import { badRequest } from './status.ts';
import type { KubeObject } from './types.ts';

export type Matcher = (obj: KubeObject) => boolean;

type LabelRequirement =
  | { op: 'exists' | '!'; key: string }
  | { op: '=' | '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: Set<string> };

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

/** Split on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseLabelTerm(term: string): LabelRequirement {
  const set = SET.exec(term);
  if (set) {
    const values = set[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    for (const v of values) {
      if (!new RegExp(`^${VALUE}$`).test(v))
        throw badRequest(`unable to parse requirement: invalid label value: "${v}"`);
    }
    return { op: set[2] as 'in' | 'notin', key: set[1]!, values: new Set(values) };
  }
  const eq = EQUALITY.exec(term);
  if (eq) return { op: eq[2] === '!=' ? '!=' : '=', key: eq[1]!, value: eq[3]! };
  const ex = EXISTS.exec(term);
  if (ex) return { op: ex[1] === '!' ? '!' : 'exists', key: ex[2]! };
  throw badRequest(
    `unable to parse requirement: found '${term}', expected a valid label selector requirement`,
  );
}

function labelMatches(req: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case '=':
      return has && value === req.value;
    case '!=':
      return !has || value !== req.value;
    case 'in':
      return has && req.values.has(value!);
    case 'notin':
      return !has || !req.values.has(value!);
  }
}

/** Parse a labelSelector query value (=, ==, !=, in, notin, key, !key); 400 when malformed. */
export function parseLabelSelector(selector: string | undefined): Matcher | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const reqs = splitTerms(selector).map(parseLabelTerm);
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return reqs.every((r) => labelMatches(r, labels));
  };
}

/** Field selectors the real server supports for each resource (beyond metadata.name/namespace). */
const EXTRA_FIELDS: Record<string, Record<string, (obj: KubeObject) => string>> = {
  secrets: { type: (o) => String(o.type ?? '') },
  namespaces: { 'status.phase': (o) => String((o.status as { phase?: string } | undefined)?.phase ?? '') },
  events: {
    'involvedObject.kind': (o) => involved(o, 'kind'),
    'involvedObject.name': (o) => involved(o, 'name'),
    'involvedObject.namespace': (o) => involved(o, 'namespace'),
    'involvedObject.uid': (o) => involved(o, 'uid'),
    reason: (o) => String(o.reason ?? ''),
    type: (o) => String(o.type ?? ''),
  },
};

function involved(o: KubeObject, field: string): string {
  const ref = (o.involvedObject ?? o.regarding) as Record<string, unknown> | undefined;
  return String(ref?.[field] ?? '');
}

/** Parse a fieldSelector (metadata.name, metadata.namespace, per-resource extras); 400 when unsupported. */
export function parseFieldSelector(r: ResourceInfo, selector: string | undefined): Matcher | undefined {
  if (selector === undefined || selector.trim() === '') return undefined;
  const extras = r.group === '' ? (EXTRA_FIELDS[r.resource] ?? {}) : {};
  const reqs = splitTerms(selector).map((term) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1]!;
    let get: ((obj: KubeObject) => string) | undefined = extras[field];
    if (field === 'metadata.name') get = (o) => o.metadata.name ?? '';
    if (field === 'metadata.namespace') get = (o) => o.metadata.namespace ?? '';
    if (!get)
      throw badRequest(
        `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    const negate = m[2] === '!=';
    const value = m[3]!;
    const read = get;
    return (obj: KubeObject) => (read(obj) === value) !== negate;
  });
  return (obj) => reqs.every((req) => req(obj));
}

/** Combine optional matchers; undefined means "everything". */
export function both(a: Matcher | undefined, b: Matcher | undefined): Matcher | undefined {
  if (a && b) return (o) => a(o) && b(o);
  return a ?? b;
}
