import { ErrorCode, RegcredError } from './errors.ts';

/**
 * A parsed, normalized image reference (PROTOCOLS.md §1): `nginx` is
 * `{registry: 'docker.io', repository: 'library/nginx', tag: 'latest', digest: null}`.
 */
export interface ImageReference {
  /** `host[:port]` as written (Docker Hub aliases become `docker.io`); IPv6 hosts keep their brackets. */
  readonly registry: string;
  /** The path without the registry: `library/nginx`, `team/app`. */
  readonly repository: string;
  /** `latest` when neither a tag nor a digest was given; null when only a digest was. */
  readonly tag: string | null;
  /** `algorithm:hex`; when both a tag and a digest are given, pulls use the digest. */
  readonly digest: string | null;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_LEGACY = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';

/** Limits from the distribution reference package. */
const MAX_PATH_LENGTH = 255;
const MAX_TAG_LENGTH = 128;
/** Nothing legitimate comes close; bounds the work (and the error message) for junk input. */
const MAX_INPUT_LENGTH = 4096;

// Each pattern below is anchored and unambiguous (every repetition is separated by a required
// character), so matching is linear in the input: no catastrophic backtracking.
const BARE_IMAGE_ID = /^[a-f0-9]{64}$/;
const WHITESPACE = /\s/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const PATH_COMPONENT_CHARS = /[^a-z0-9._-]/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const TAG_BAD_CHAR = /[^A-Za-z0-9_.-]/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_HEX = /^[0-9a-fA-F]{32,}$/;
const NON_HEX = /[^0-9a-fA-F]/;
const DNS_LABEL_BAD_CHAR = /[^A-Za-z0-9-]/;
const IPV6_CHARS = /^[0-9a-fA-F:]+$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PORT = /^[0-9]{1,5}$/;
const UPPERCASE = /[A-Z]/;

/** Algorithms whose encoded length is fixed (OCI image spec): exactly this many lowercase hex digits. */
const FIXED_DIGEST_LENGTHS: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/**
 * Parses and normalizes an image reference the way `docker pull`, containerd and the kubelet do.
 * @throws RegcredError(ImageReferenceInvalid) naming what is wrong and where.
 */
export function parseImageReference(input: string): ImageReference {
  const fail = (problem: string): RegcredError =>
    new RegcredError(ErrorCode.ImageReferenceInvalid, `invalid reference ${quote(input)}: ${problem}`, {
      retryable: false,
      details: { reference: truncate(input) },
    });

  if (typeof input !== 'string' || input.length === 0) throw fail('reference is empty');
  if (input.length > MAX_INPUT_LENGTH) {
    throw fail(`reference is ${input.length} characters long, the limit is ${MAX_INPUT_LENGTH}`);
  }
  const space = WHITESPACE.exec(input);
  if (space) throw fail(`whitespace at character ${space.index + 1}`);
  if (BARE_IMAGE_ID.test(input)) {
    throw fail('a 64-character hexadecimal string is an image id, not a repository name');
  }

  let name = input;
  let digest: string | null = null;
  const at = input.indexOf('@');
  if (at >= 0) {
    digest = input.slice(at + 1);
    name = input.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) throw fail(problem);
  }

  let tag: string | null = null;
  const lastColon = name.lastIndexOf(':');
  const lastSlash = name.lastIndexOf('/');
  if (name.startsWith('[') && lastSlash < 0) {
    throw fail(`registry host ${quote(name)} must be followed by "/" and a repository path`);
  }
  if (lastColon > lastSlash) {
    tag = name.slice(lastColon + 1);
    name = name.slice(0, lastColon);
    const problem = tagProblem(tag);
    if (problem) throw fail(problem);
  }
  if (name.length === 0) throw fail('repository name is empty');

  let registry = DOCKER_HUB;
  let path = name;
  const firstSlash = name.indexOf('/');
  if (firstSlash >= 0) {
    const first = name.slice(0, firstSlash);
    if (isDomainComponent(first)) {
      const problem = registryHostProblem(first);
      if (problem) throw fail(problem);
      registry = first === DOCKER_HUB_LEGACY ? DOCKER_HUB : first;
      path = name.slice(firstSlash + 1);
    }
  }
  if (UPPERCASE.test(path)) throw fail(`repository name must be lowercase (${quote(path)})`);
  if (path.length === 0) throw fail('repository path is empty');
  if (registry === DOCKER_HUB && !path.includes('/')) path = OFFICIAL_PREFIX + path;

  const components = path.split('/');
  for (let i = 0; i < components.length; i++) {
    const problem = pathComponentProblem(components[i] ?? '', i + 1);
    if (problem) throw fail(problem);
  }
  if (path.length > MAX_PATH_LENGTH) {
    throw fail(`repository path is ${path.length} characters long, the limit is ${MAX_PATH_LENGTH}`);
  }

  return {
    registry,
    repository: path,
    tag: tag ?? (digest === null ? DEFAULT_TAG : null),
    digest,
  };
}

/** `registry/repository@digest` when there is a digest (what a pull uses), else `registry/repository:tag`. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${suffix(ref)}`;
}

/** The short form users type: `nginx:latest`, `team/app@sha256:…`, `gcr.io/p/app:1`. */
export function familiarName(ref: ImageReference): string {
  return `${familiarRepository(ref)}${suffix(ref)}`;
}

/** `nginx` for `docker.io/library/nginx`, `team/app` for `docker.io/team/app`, else `registry/repository`. */
export function familiarRepository(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.repository}`;
  if (ref.repository.startsWith(OFFICIAL_PREFIX)) {
    const rest = ref.repository.slice(OFFICIAL_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.repository;
}

function suffix(ref: ImageReference): string {
  if (ref.digest !== null) return `@${ref.digest}`;
  if (ref.tag !== null) return `:${ref.tag}`;
  return '';
}

/** Docker's rule: the first component names a registry iff it has `.` or `:`, is `localhost`, or has upper case. */
function isDomainComponent(component: string): boolean {
  return (
    component.includes('.') ||
    component.includes(':') ||
    component === 'localhost' ||
    UPPERCASE.test(component)
  );
}

/**
 * Why `host[:port]` is not a valid registry host (DNS name, IPv4 or `[IPv6]`), or null when it is.
 * Shared with registry-host.ts so both say the same thing about the same mistake.
 */
export function registryHostProblem(domain: string): string | null {
  let host: string;
  let port: string | null = null;
  if (domain.startsWith('[')) {
    const close = domain.indexOf(']');
    if (close < 0) return `registry host ${quote(domain)} is missing "]" after the IPv6 address`;
    const address = domain.slice(1, close);
    const rest = domain.slice(close + 1);
    if (address.includes('%')) return `registry host ${quote(domain)}: IPv6 zone ids are not allowed`;
    if (!isIPv6(address)) return `registry host ${quote(domain)}: ${quote(address)} is not an IPv6 address`;
    if (rest !== '') {
      if (!rest.startsWith(':')) return `registry host ${quote(domain)}: only ":port" may follow "]"`;
      port = rest.slice(1);
    }
    host = address;
  } else {
    const colon = domain.indexOf(':');
    if (colon >= 0) {
      port = domain.slice(colon + 1);
      host = domain.slice(0, colon);
      if (port.includes(':')) {
        return `registry host ${quote(domain)}: an IPv6 address must be written in brackets ("[::1]:5000")`;
      }
    } else {
      host = domain;
    }
    const problem = dnsHostProblem(host, domain);
    if (problem) return problem;
  }
  if (port !== null) {
    if (port === '') return `registry host ${quote(domain)}: the port after ":" is empty`;
    if (!PORT.test(port) || Number(port) > 65535) {
      return `registry host ${quote(domain)}: port ${quote(port)} is not a number from 0 to 65535`;
    }
  }
  return null;
}

function dnsHostProblem(host: string, domain: string): string | null {
  if (host === '') return `registry host ${quote(domain)} has no host name`;
  const labels = host.split('.');
  for (const label of labels) {
    if (label === '')
      return `registry host ${quote(domain)} has an empty label (leading, trailing or double ".")`;
    const bad = DNS_LABEL_BAD_CHAR.exec(label);
    if (bad) return `registry host ${quote(domain)} contains the invalid character ${quote(bad[0])}`;
    if (label.startsWith('-') || label.endsWith('-')) {
      return `registry host ${quote(domain)}: label ${quote(label)} must not start or end with "-"`;
    }
  }
  return null;
}

/** Hex groups and colons only (no embedded IPv4, no zone): 8 groups, or fewer with one `::`. */
export function isIPv6(address: string): boolean {
  if (!IPV6_CHARS.test(address)) return false;
  const gap = address.indexOf('::');
  if (gap < 0) return groupsValid(address.split(':'), 8, true);
  if (address.indexOf('::', gap + 1) >= 0) return false;
  const head = address.slice(0, gap);
  const tail = address.slice(gap + 2);
  const groups = [...(head === '' ? [] : head.split(':')), ...(tail === '' ? [] : tail.split(':'))];
  return groupsValid(groups, 7, false);
}

function groupsValid(groups: readonly string[], count: number, exact: boolean): boolean {
  if (exact ? groups.length !== count : groups.length > count) return false;
  return groups.every((group) => HEX_GROUP.test(group));
}

function pathComponentProblem(component: string, position: number): string | null {
  if (component === '') return `path component ${position} is empty (leading, trailing or double "/")`;
  if (PATH_COMPONENT.test(component)) return null;
  const bad = PATH_COMPONENT_CHARS.exec(component);
  if (bad) return `path component ${quote(component)} contains the invalid character ${quote(bad[0])}`;
  return (
    `path component ${quote(component)} must start and end with a letter or digit, with only ".", "_", ` +
    `"__" or dashes between them`
  );
}

function tagProblem(tag: string): string | null {
  if (tag === '') return 'the tag after ":" is empty';
  if (TAG.test(tag)) return null;
  if (tag.length > MAX_TAG_LENGTH) {
    return `tag is ${tag.length} characters long, the limit is ${MAX_TAG_LENGTH}`;
  }
  const bad = TAG_BAD_CHAR.exec(tag);
  if (bad) return `tag ${quote(tag)} contains the invalid character ${quote(bad[0])}`;
  return `tag ${quote(tag)} must start with a letter, digit or "_"`;
}

function digestProblem(digest: string): string | null {
  if (digest === '') return 'the digest after "@" is empty';
  const colon = digest.indexOf(':');
  if (colon < 0) return `digest ${quote(digest)} must be "algorithm:hex", e.g. "sha256:…"`;
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!DIGEST_ALGORITHM.test(algorithm)) return `digest algorithm ${quote(algorithm)} is invalid`;
  const bad = NON_HEX.exec(hex);
  if (bad) return `digest ${quote(truncate(digest))} contains the non-hexadecimal character ${quote(bad[0])}`;
  const fixed = FIXED_DIGEST_LENGTHS.get(algorithm);
  if (fixed !== undefined) {
    if (hex.length !== fixed) {
      return `a ${algorithm} digest needs exactly ${fixed} hexadecimal characters, got ${hex.length}`;
    }
    if (UPPERCASE.test(hex)) return `a ${algorithm} digest must be lowercase hexadecimal`;
    return null;
  }
  if (!DIGEST_HEX.test(hex)) return `digest needs at least 32 hexadecimal characters, got ${hex.length}`;
  return null;
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** JSON quoting makes control characters and whitespace visible in the message. */
function quote(text: string): string {
  return JSON.stringify(truncate(text));
}
