import { ErrorCode, RegcredError } from './errors.ts';
import { DOCKER_HUB, parseImageReference, registryHostProblem } from './image-reference.ts';

/** The key Docker config files (`~/.docker/config.json`, `.dockerconfigjson`) use for Docker Hub. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

/** Host names that all mean Docker Hub; credentials for any of them are Docker Hub's. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  DOCKER_HUB,
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const AUTHORITY_END = /[/?#]/;
/** A path that marks a registry server URL rather than a repository: `/`, `/v1/`, `/v2`. */
const DIGITS = /^[0-9]+$/;
const SERVER_PATH = /^\/(?:v[12]\/?)?$/;

/**
 * Normalizes what users and tools pass as "a registry" to `host[:port]`: a bare host
 * (`registry.example.com:5000`, `[::1]:5000`), a server URL (`https://index.docker.io/v1/`, what Docker
 * hands credential helpers) or an image reference (`gcr.io/project/app:1` → `gcr.io`). DNS names are
 * lower-cased, Docker Hub aliases become `docker.io`, ports are kept as given.
 *
 * Without `/`, a string is a host when Docker would read it as one (it has a `.` or is `localhost`) or
 * when it is `name:<digits>` (`registry:5000`, in-cluster registries); otherwise it is a Docker Hub
 * image (`nginx`, `nginx:1.25` → `docker.io`). So `redis:7` is a host: write `library/redis:7` for the image.
 * @throws RegcredError(ImageReferenceInvalid) saying what is wrong.
 */
export function parseRegistryHost(input: string): string {
  if (typeof input !== 'string') throw invalid(String(input), 'registry must be a string');
  const text = input.trim();
  if (text === '') throw invalid(input, 'registry is empty');

  const scheme = SCHEME.exec(text);
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    const rest = text.slice(scheme[0].length);
    const end = rest.search(AUTHORITY_END);
    const authority = end < 0 ? rest : rest.slice(0, end);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      // Never echo what precedes "@": it is a user name and possibly a password.
      const shown = `${scheme[0]}***@${rest.slice(at + 1)}`;
      throw invalid(shown, 'credentials in a registry URL are not allowed');
    }
    if (name !== 'https' && name !== 'http') {
      throw invalid(
        text,
        `unsupported scheme ${JSON.stringify(name)} (use https://, http:// or a bare host)`,
      );
    }
    return normalizeHost(text, authority);
  }

  const slash = text.indexOf('/');
  if (slash < 0) {
    if (!looksLikeHost(text)) return registryOfImage(text);
    return normalizeHost(text, text);
  }
  if (SERVER_PATH.test(text.slice(slash))) return normalizeHost(text, text.slice(0, slash));
  return registryOfImage(text);
}

/** The key Docker config files use for a registry: `https://index.docker.io/v1/` for Docker Hub, else the host. */
export function dockerConfigKey(host: string): string {
  const normalized = parseRegistryHost(host);
  return normalized === DOCKER_HUB ? DOCKER_HUB_CONFIG_KEY : normalized;
}

/** True when two registry strings (any accepted form) name the same registry. Never throws. */
export function sameRegistry(a: string, b: string): boolean {
  try {
    return parseRegistryHost(a) === parseRegistryHost(b);
  } catch {
    return false;
  }
}

/**
 * Whether a string without `/` names a host rather than a Docker Hub image. Docker's own rule (a `.`,
 * a `:` or `localhost`), except that `name:tag` with a non-numeric tag is an image (`nginx:1.25`).
 */
function looksLikeHost(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon < 0) return text.includes('.') || text.startsWith('[') || text.toLowerCase() === 'localhost';
  const host = text.slice(0, colon);
  const after = text.slice(colon + 1);
  return (
    host === '' ||
    host.includes('.') ||
    host.startsWith('[') ||
    host.toLowerCase() === 'localhost' ||
    after.includes(':') ||
    DIGITS.test(after)
  );
}

function registryOfImage(text: string): string {
  const ref = parseImageReference(text);
  return canonical(ref.registry);
}

function normalizeHost(input: string, host: string): string {
  if (host === '') throw invalid(input, 'no host name');
  const problem = registryHostProblem(host);
  if (problem) throw invalid(input, problem);
  return canonical(host);
}

function canonical(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? DOCKER_HUB : lower;
}

function invalid(input: string, problem: string): RegcredError {
  const shown = input.length > 200 ? `${input.slice(0, 200)}…` : input;
  return new RegcredError(
    ErrorCode.ImageReferenceInvalid,
    `invalid registry ${JSON.stringify(shown)}: ${problem}`,
    {
      retryable: false,
    },
  );
}
