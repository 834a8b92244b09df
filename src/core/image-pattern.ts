import { ErrorCode, RegcredError } from './errors.ts';
import { isIPv6 } from './image-reference.ts';

/**
 * The kubelet's `matchImages` pattern language (PROTOCOLS.md §7), also used by config `hosts` and for
 * `.dockerconfigjson` `auths` keys: `host[:port][/path]`, where each dot-separated host label is a glob
 * (`*`, `?`, `[…]`, `[^…]`, `\` escape) that stays within the label.
 *
 * Parsed by hand: WHATWG `URL` lower-cases hosts and drops default ports, which would change what matches.
 * Two deliberate differences from the kubelet, both only ever matching the same registry:
 * host names compare case-insensitively (DNS is), and a path of `/` (or a `/v1/`, `/v2/` prefix, which
 * the kubelet strips from `auths` keys) counts as no path.
 */
export interface HostPattern {
  /** The pattern as given. */
  readonly source: string;
  /** Normalized `host[:port][path]`: scheme removed, host lower-cased. Sort and compare on this. */
  readonly key: string;
  /** Lower-cased host part, globs included; an IPv6 literal keeps its brackets. */
  readonly host: string;
  readonly port: string | null;
  /** `''` or a path starting with `/`; a plain string prefix of the image path. */
  readonly path: string;
  /** No glob characters and no path: a single registry host. */
  readonly concrete: boolean;
  /** Whether `image` (`host[:port]/path[:tag|@digest]`, normalized as the kubelet passes it) matches. */
  matches(image: string): boolean;
}

type Token =
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'star' }
  | {
      readonly kind: 'class';
      readonly negated: boolean;
      readonly ranges: readonly (readonly [string, string])[];
    };

/** A label is either a literal (fast path) or a compiled glob. */
type Label = string | readonly Token[];

interface SplitImage {
  readonly labels: readonly string[];
  readonly port: string | null;
  readonly path: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const GLOB_CHARS = /[*?[\]\\]/;
const LITERAL_CHAR = /^[a-z0-9_-]$/;
const PORT = /^[0-9]{1,5}$/;
const WHITESPACE = /\s/;
const IPV6_LITERAL = /^\[[0-9a-f:]+\]$/;
const MAX_PATTERN_LENGTH = 1024;
const CACHE_LIMIT = 512;

class PatternProblem extends Error {}

/**
 * Validates and compiles a pattern for config use.
 * @throws RegcredError(HostPatternInvalid) saying what is wrong.
 */
export function parseHostPattern(pattern: string): HostPattern {
  const entry = compileCached(pattern);
  if (!(entry instanceof PatternProblem)) return entry;
  const shown = typeof pattern === 'string' && pattern.length > 200 ? `${pattern.slice(0, 200)}…` : pattern;
  throw new RegcredError(
    ErrorCode.HostPatternInvalid,
    `invalid host pattern ${JSON.stringify(shown)}: ${entry.message}`,
    { retryable: false },
  );
}

/**
 * The kubelet's matchImages test: same port, same number of host labels, each label matching its glob,
 * and the pattern path a string prefix of the image path. A malformed pattern matches nothing (like the
 * kubelet); use `parseHostPattern` to report it.
 */
export function imagePatternMatches(pattern: string, image: string): boolean {
  const entry = compileCached(pattern);
  return !(entry instanceof PatternProblem) && entry.matches(image);
}

/** True when the pattern is valid, has no glob characters and no path: a plain `host[:port]`. */
export function isConcreteHost(pattern: string): boolean {
  const entry = compileCached(pattern);
  return !(entry instanceof PatternProblem) && entry.concrete;
}

/**
 * Orders patterns the way the kubelet tries `auths` keys: reverse lexicographic order of the normalized
 * key, so `quay.io/team` comes before `quay.io` and `registry.example.com` before `*.example.com`.
 * Negative when `a` should be tried first. Invalid patterns compare by their raw text.
 */
export function comparePatternSpecificity(a: string | HostPattern, b: string | HostPattern): number {
  const keyA = keyOf(a);
  const keyB = keyOf(b);
  if (keyA === keyB) return 0;
  return keyA > keyB ? -1 : 1;
}

function keyOf(pattern: string | HostPattern): string {
  if (typeof pattern !== 'string') return pattern.key;
  const entry = compileCached(pattern);
  return entry instanceof PatternProblem ? pattern : entry.key;
}

const compiled = new Map<string, HostPattern | PatternProblem>();

/**
 * Every export compiles through this bounded cache: config loading, credential lookups and the kubelet
 * plugin ask about the same few patterns again and again. A malformed pattern caches its problem.
 */
function compileCached(source: string): HostPattern | PatternProblem {
  let entry = compiled.get(source);
  if (entry === undefined) {
    try {
      entry = compile(source);
    } catch (error) {
      if (!(error instanceof PatternProblem)) throw error;
      entry = error;
    }
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(source, entry);
  }
  return entry;
}

function compile(source: string): HostPattern {
  if (typeof source !== 'string' || source.length === 0) throw new PatternProblem('pattern is empty');
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new PatternProblem(`pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  const space = WHITESPACE.exec(source);
  if (space) throw new PatternProblem(`whitespace at character ${space.index + 1}`);

  let rest = source;
  const scheme = SCHEME.exec(rest);
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (name !== 'https' && name !== 'http') {
      throw new PatternProblem(`unsupported scheme ${JSON.stringify(name)} (use https://, http:// or none)`);
    }
    rest = rest.slice(scheme[0].length);
  }
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = normalizePath(slash < 0 ? '' : rest.slice(slash));

  const { host, port } = splitAuthority(authority, 'pattern');
  if (host === '') throw new PatternProblem('no host before the port or path');
  const lowerHost = host.toLowerCase();
  let labels: Label[];
  if (lowerHost.startsWith('[')) {
    // A leading "[" is an IPv6 literal, never a glob class (the kubelet's URL parser reads it the same way).
    if (!IPV6_LITERAL.test(lowerHost) || !isIPv6(lowerHost.slice(1, -1))) {
      throw new PatternProblem(`${JSON.stringify(host)} is not a bracketed IPv6 address`);
    }
    labels = [lowerHost];
  } else {
    labels = lowerHost.split('.').map((label, index) => compileLabel(label, index + 1));
  }

  const literalHost = labels.every((label) => typeof label === 'string') ? lowerHost : null;
  const concrete = path === '' && literalHost !== null;
  const key = `${lowerHost}${port === null ? '' : `:${port}`}${path}`;

  return {
    source,
    key,
    host: lowerHost,
    port,
    path,
    concrete,
    matches(image: string): boolean {
      const target = splitImage(image);
      if (target === null || target.port !== port || target.labels.length !== labels.length) return false;
      if (!target.path.startsWith(path)) return false;
      if (literalHost !== null) return target.labels.join('.') === literalHost;
      for (let i = 0; i < labels.length; i++) {
        const label = labels[i] ?? '';
        const value = target.labels[i] ?? '';
        if (typeof label === 'string' ? label !== value : !matchGlob(label, value)) return false;
      }
      return true;
    },
  };
}

/** `/`, `/v1/`, `/v2/` mean the registry itself; `/v2/team` means `/team` (the kubelet's `auths` rule). */
function normalizePath(path: string): string {
  let effective = path;
  if (effective.startsWith('/v1/') || effective.startsWith('/v2/')) effective = effective.slice(3);
  return effective === '/' ? '' : effective;
}

function splitAuthority(authority: string, what: 'pattern' | 'image'): { host: string; port: string | null } {
  let host = authority;
  let port: string | null = null;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw new PatternProblem(`missing "]" after the IPv6 address`);
    host = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new PatternProblem('only ":port" may follow "]"');
      port = after.slice(1);
    }
  } else {
    const colon = authority.indexOf(':');
    if (colon >= 0) {
      host = authority.slice(0, colon);
      port = authority.slice(colon + 1);
      if (port.includes(':')) {
        throw new PatternProblem(`an IPv6 address must be written in brackets in the ${what}`);
      }
    }
  }
  if (port !== null && (!PORT.test(port) || Number(port) > 65535)) {
    throw new PatternProblem(
      port === ''
        ? 'the port after ":" is empty'
        : `port ${JSON.stringify(port)} is not a number from 0 to 65535`,
    );
  }
  return { host, port };
}

function compileLabel(label: string, position: number): Label {
  if (label === '')
    throw new PatternProblem(`host label ${position} is empty (leading, trailing or double ".")`);
  if (!GLOB_CHARS.test(label)) {
    checkLiteral(label, label);
    return label;
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < label.length) {
    const c = label[i] ?? '';
    if (c === '*') {
      // Consecutive stars mean the same as one; collapsing them keeps matching cheap.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (c === '?') {
      tokens.push({ kind: 'any' });
      i++;
    } else if (c === '[') {
      i = compileClass(label, i + 1, tokens);
    } else if (c === '\\') {
      const next = label[i + 1];
      if (next === undefined) throw new PatternProblem(`host label ${JSON.stringify(label)} ends with "\\"`);
      // An escape may also make a glob character literal, which then simply never matches a host.
      if (!GLOB_CHARS.test(next)) checkLiteral(next, label);
      tokens.push({ kind: 'char', char: next });
      i += 2;
    } else if (c === ']') {
      throw new PatternProblem(`host label ${JSON.stringify(label)} has "]" without "["`);
    } else {
      checkLiteral(c, label);
      tokens.push({ kind: 'char', char: c });
      i++;
    }
  }
  return tokens;
}

/** Parses `[^a-z0-9]` starting after `[`; returns the index after `]`. Go's filepath.Match syntax. */
function compileClass(label: string, start: number, tokens: Token[]): number {
  let i = start;
  let negated = false;
  if (label[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: [string, string][] = [];
  for (;;) {
    const c = label[i];
    if (c === undefined) throw new PatternProblem(`host label ${JSON.stringify(label)} has "[" without "]"`);
    if (c === ']' && ranges.length > 0) break;
    const [lo, afterLo] = classChar(label, i);
    let hi = lo;
    let next = afterLo;
    if (label[next] === '-') {
      [hi, next] = classChar(label, next + 1);
    }
    ranges.push([lo, hi]);
    i = next;
  }
  tokens.push({ kind: 'class', negated, ranges });
  return i + 1;
}

function classChar(label: string, index: number): [string, number] {
  let c = label[index];
  let next = index + 1;
  if (c === '\\') {
    c = label[index + 1];
    next = index + 2;
  } else if (c === '-' || c === ']') {
    throw new PatternProblem(`host label ${JSON.stringify(label)} has an empty or malformed "[…]" class`);
  }
  if (c === undefined) throw new PatternProblem(`host label ${JSON.stringify(label)} has "[" without "]"`);
  checkLiteral(c, label);
  return [c, next];
}

function checkLiteral(text: string, label: string): void {
  for (const c of text) {
    if (!LITERAL_CHAR.test(c)) {
      throw new PatternProblem(
        `host label ${JSON.stringify(label)} contains the invalid character ${JSON.stringify(c)}`,
      );
    }
  }
}

/** Wildcard matching with a single backtrack point: O(pattern × label), no recursion. */
function matchGlob(tokens: readonly Token[], value: string): boolean {
  let t = 0;
  let i = 0;
  let starToken = -1;
  let starIndex = 0;
  while (i < value.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      starToken = t++;
      starIndex = i;
      continue;
    }
    if (token !== undefined && matchOne(token, value[i] ?? '')) {
      t++;
      i++;
      continue;
    }
    if (starToken < 0) return false;
    t = starToken + 1;
    i = ++starIndex;
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

function matchOne(token: Token, c: string): boolean {
  switch (token.kind) {
    case 'char':
      return token.char === c;
    case 'any':
      return true;
    case 'class': {
      let inside = false;
      for (const [lo, hi] of token.ranges) {
        if (lo <= c && c <= hi) {
          inside = true;
          break;
        }
      }
      return inside !== token.negated;
    }
    case 'star':
      return false;
  }
}

function splitImage(image: string): SplitImage | null {
  if (typeof image !== 'string' || image.length === 0) return null;
  const slash = image.indexOf('/');
  const authority = slash < 0 ? image : image.slice(0, slash);
  let parts: { host: string; port: string | null };
  try {
    parts = splitAuthority(authority, 'image');
  } catch {
    return null;
  }
  if (parts.host === '') return null;
  const host = parts.host.toLowerCase();
  return {
    labels: host.startsWith('[') ? [host] : host.split('.'),
    port: parts.port,
    path: slash < 0 ? '' : image.slice(slash),
  };
}
