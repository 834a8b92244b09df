import { OciError } from './oci-error.ts';

/** One pull-API request, parsed from the raw request target and validated against the OCI grammar. */
export type OciRequest =
  | { readonly kind: 'ping'; readonly ns: string | undefined }
  | {
      readonly kind: 'manifests' | 'blobs' | 'tags' | 'referrers';
      /** Repository name as the client wrote it (may start with a prefix-mode alias). */
      readonly name: string;
      /** Tag or digest (manifests), digest (blobs, referrers), empty for tags/list. */
      readonly reference: string;
      /** `?ns=` (containerd mirror mode), lower-cased, not yet checked against the config. */
      readonly ns: string | undefined;
      /** Query parameters forwarded upstream (`n`, `last`, `artifactType`), already validated. */
      readonly forwardQuery: string;
    };

// PROTOCOLS §1. Components: [a-z0-9]+ joined by `.`, `_`, `__` or one or more `-`.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const SHA256 = /^sha256:[0-9a-f]{64}$/;
const MAX_NAME = 255;
// Media types (RFC 6838 restricted names) for `artifactType`.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
// host[:port]: DNS labels, IPv4, or [IPv6]; PROTOCOLS §1.
const LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);

const bad = (code: 'NAME_INVALID' | 'DIGEST_INVALID' | 'TAG_INVALID' | 'UNSUPPORTED', message: string) =>
  new OciError(code === 'UNSUPPORTED' ? 405 : 400, code, message);

/** Whether `host` is a syntactically valid registry host[:port] (no scheme, no path, no userinfo). */
export function isRegistryHost(host: string): boolean {
  if (host.length > 255 || !HOST.test(host)) return false;
  const port = host.match(/:([0-9]{1,5})$/)?.[1];
  return port === undefined || host.endsWith(']') || (Number(port) > 0 && Number(port) < 65536);
}

/** Validates a repository path (without the registry host). Throws OciError NAME_INVALID. */
export function validateRepositoryName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME)
    throw bad('NAME_INVALID', 'repository name length out of range');
  for (const component of name.split('/')) {
    if (!COMPONENT.test(component)) {
      throw bad('NAME_INVALID', `invalid repository name component "${printable(component)}"`);
    }
  }
}

export function isDigest(reference: string): boolean {
  return DIGEST.test(reference) && (!reference.startsWith('sha256:') || SHA256.test(reference));
}

/**
 * Parses the raw request target (`/v2/<name>/manifests/<ref>?ns=…`) without decoding it: nothing in the
 * pull API's grammar needs percent-encoding, so any `%`, `..`, `//`, backslash or control character is a
 * refusal rather than something to normalize. Throws OciError.
 */
export function parseOciRequest(rawTarget: string): OciRequest {
  const queryAt = rawTarget.indexOf('?');
  const path = queryAt === -1 ? rawTarget : rawTarget.slice(0, queryAt);
  const query = queryAt === -1 ? '' : rawTarget.slice(queryAt + 1);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[%\\\x00-\x20\x7f]/.test(path) || path.includes('//') || /(^|\/)\.\.?(\/|$)/.test(path)) {
    throw bad('NAME_INVALID', 'request path contains encoded characters, dot segments or empty segments');
  }
  const params = parseQuery(query);
  const ns = params.get('ns');
  if (ns !== undefined && !isRegistryHost(ns)) throw bad('NAME_INVALID', 'ns is not a registry host');
  const nsLower = ns?.toLowerCase();
  if (path === '/v2/' || path === '/v2') return { kind: 'ping', ns: nsLower };
  if (!path.startsWith('/v2/')) throw new OciError(404, 'UNSUPPORTED', 'not an OCI distribution endpoint');
  const segments = path.slice(4).split('/');
  const last = segments.at(-1) ?? '';
  const beforeLast = segments.at(-2) ?? '';
  let kind: 'manifests' | 'blobs' | 'tags' | 'referrers';
  let reference: string;
  let nameSegments: string[];
  if (beforeLast === 'tags' && last === 'list') {
    kind = 'tags';
    reference = '';
    nameSegments = segments.slice(0, -2);
  } else if (beforeLast === 'manifests' || beforeLast === 'blobs' || beforeLast === 'referrers') {
    kind = beforeLast;
    reference = last;
    nameSegments = segments.slice(0, -2);
  } else {
    throw new OciError(
      404,
      'UNSUPPORTED',
      'not a pull API endpoint (manifests, blobs, tags/list, referrers)',
    );
  }
  const name = nameSegments.join('/');
  validateRepositoryName(name);
  if (kind === 'manifests') {
    if (!TAG.test(reference) && !isDigest(reference)) throw bad('TAG_INVALID', 'invalid tag or digest');
  } else if (kind !== 'tags' && !isDigest(reference)) {
    throw bad('DIGEST_INVALID', 'invalid digest');
  }
  return { kind, name, reference, ns: nsLower, forwardQuery: forwardQuery(kind, params) };
}

function forwardQuery(kind: string, params: Map<string, string>): string {
  const out: string[] = [];
  if (kind === 'tags') {
    const n = params.get('n');
    if (n !== undefined) {
      if (!/^[0-9]{1,6}$/.test(n)) throw bad('NAME_INVALID', 'n must be a number');
      out.push(`n=${n}`);
    }
    const last = params.get('last');
    if (last !== undefined) {
      if (!TAG.test(last)) throw bad('TAG_INVALID', 'last must be a tag');
      out.push(`last=${last}`);
    }
  } else if (kind === 'referrers') {
    const artifactType = params.get('artifactType');
    if (artifactType !== undefined) {
      if (!MEDIA_TYPE.test(artifactType)) throw bad('NAME_INVALID', 'artifactType must be a media type');
      out.push(`artifactType=${encodeURIComponent(artifactType)}`);
    }
  }
  return out.length === 0 ? '' : `?${out.join('&')}`;
}

/** Decodes a query string strictly: a repeated or undecodable parameter is refused. */
function parseQuery(query: string): Map<string, string> {
  const params = new Map<string, string>();
  if (query === '') return params;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    let value: string;
    try {
      value = decodeURIComponent((eq === -1 ? '' : pair.slice(eq + 1)).replaceAll('+', ' '));
    } catch {
      throw bad('NAME_INVALID', `query parameter ${printable(key)} is not valid percent-encoding`);
    }
    if (params.has(key)) throw bad('NAME_INVALID', `query parameter ${printable(key)} repeated`);
    params.set(key, value);
  }
  return params;
}

/** A short, log-safe echo of client input. */
function printable(text: string): string {
  return text.slice(0, 64).replace(/[^\x21-\x7e]/g, '?');
}
