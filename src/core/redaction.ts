/**
 * Scrubs secrets out of text that is about to leave the process (logs, errors, events).
 * Two nets: values regcred has seen as secrets (registered when fetched), and shapes that are always
 * secret (JWTs, Authorization header values, Google access tokens).
 */
export const REDACTED = '[REDACTED]';

const SECRET_SHAPES: readonly RegExp[] = [
  // JWT / JWS (Entra tokens, ACR refresh tokens, service-account tokens, registry bearer tokens).
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  // Authorization header values.
  /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/gi,
  // Google OAuth2 access tokens.
  /\bya29\.[A-Za-z0-9_.-]+/g,
  // PEM private keys.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** Shortest value worth registering: shorter ones would scrub ordinary words. */
const MIN_SECRET_LENGTH = 6;

export class SecretScrubber {
  readonly #known = new Set<string>();

  /** Registers a secret value; every later `scrub` replaces it wherever it appears. */
  add(secret: string): void {
    if (secret.length >= MIN_SECRET_LENGTH) this.#known.add(secret);
  }

  get size(): number {
    return this.#known.size;
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.#known) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const shape of SECRET_SHAPES) {
      out = out.replace(shape, (_match, scheme?: string) =>
        typeof scheme === 'string' && /^(basic|bearer)$/i.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED,
      );
    }
    return out;
  }

  /** Deep copy of a JSON-like value with every string scrubbed. */
  scrubValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (value === null || typeof value !== 'object' || depth > 8) return value;
    if (value instanceof Error) return this.scrubError(value, depth);
    if (Array.isArray(value)) return value.map((item) => this.scrubValue(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.scrubValue(item, depth + 1);
    return out;
  }

  private scrubError(error: Error, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {
      type: error.name,
      message: this.scrub(error.message),
    };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out.code = code;
    const details = (error as { details?: unknown }).details;
    if (details !== undefined) out.details = this.scrubValue(details, depth + 1);
    if (error.stack) out.stack = this.scrub(error.stack);
    if (error.cause !== undefined && depth < 4) out.cause = this.scrubValue(error.cause, depth + 1);
    return out;
  }
}
