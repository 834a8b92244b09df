import { ErrorCode, RegcredError } from '../../src/core/errors.ts';

/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** Lower-cased: `bearer`, `basic`. */
  readonly scheme: string;
  /** Parameter names lower-cased; values unquoted and unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** A token68 credential (`Negotiate abc==`) instead of parameters. */
  readonly token68?: string;
}

const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN68_CHAR = /[A-Za-z0-9._~+/-]/;

/**
 * Parses a `WWW-Authenticate` value into its challenges: case-insensitive scheme and parameter names,
 * quoted strings with `\` escapes, commas inside quotes, several challenges in one header.
 * Throws `ERR_CREDENTIAL_INVALID` naming what is malformed (never echoing the header).
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const parser = new Parser(header);
  const challenges: AuthChallenge[] = [];
  parser.skipListSeparators();
  while (!parser.done()) {
    challenges.push(parser.challenge());
    parser.skipListSeparators();
  }
  if (challenges.length === 0) throw malformed('no challenge');
  return challenges;
}

/** Where a Bearer-auth registry sends clients for tokens. */
export interface BearerChallenge {
  readonly realm: URL;
  readonly service: string | undefined;
}

/**
 * The Bearer challenge of a registry's `/v2/` 401 answer. Throws `ERR_CREDENTIAL_INVALID` when the
 * header is malformed, offers only another scheme (Basic: not token auth, so no ACR exchange), lacks a
 * realm, or the realm is not an absolute https URL.
 */
export function bearerChallenge(header: string, registry: string): BearerChallenge {
  const challenges = parseWwwAuthenticate(header);
  const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
  if (!bearer) {
    const schemes = challenges.map((challenge) => challenge.scheme).join(', ');
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      `registry ${registry} asks for ${schemes} authentication, not Bearer tokens: it is not an ACR token endpoint (use the static provider for admin or token users)`,
      { details: { registry, schemes } },
    );
  }
  const realm = bearer.params.realm;
  if (realm === undefined || realm === '') {
    throw new RegcredError(
      ErrorCode.CredentialInvalid,
      `registry ${registry}: Bearer challenge has no realm`,
      {
        details: { registry },
      },
    );
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegcredError(ErrorCode.CredentialInvalid, `registry ${registry}: Bearer realm is not a URL`, {
      details: { registry },
    });
  }
  if (url.protocol !== 'https:') {
    throw new RegcredError(ErrorCode.CredentialInvalid, `registry ${registry}: Bearer realm is not https`, {
      details: { registry },
    });
  }
  return { realm: url, service: bearer.params.service };
}

class Parser {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  done(): boolean {
    return this.#at >= this.#text.length;
  }

  skipListSeparators(): void {
    while (!this.done() && /[\s,]/.test(this.peek())) this.#at++;
  }

  challenge(): AuthChallenge {
    const scheme = this.token();
    if (scheme === '') throw malformed(`expected an auth scheme at offset ${this.#at}`);
    const params: Record<string, string> = {};
    const afterScheme = this.#at;
    this.skipSpaces();
    if (this.done() || this.peek() === ',') {
      return { scheme: scheme.toLowerCase(), params };
    }
    if (this.#at === afterScheme) throw malformed(`expected a space after the scheme ${scheme}`);
    const token68 = this.tryToken68();
    if (token68 !== undefined) return { scheme: scheme.toLowerCase(), params, token68 };
    for (;;) {
      const paramStart = this.#at;
      const name = this.token();
      if (name === '') throw malformed(`expected a parameter name at offset ${this.#at}`);
      this.skipSpaces();
      if (this.peek() !== '=') {
        // `Bearer realm="x", Basic realm="y"`: a token not followed by `=` starts the next challenge.
        if (Object.keys(params).length > 0) {
          this.#at = paramStart;
          return { scheme: scheme.toLowerCase(), params };
        }
        throw malformed(`parameter ${name} has no value`);
      }
      this.#at++;
      this.skipSpaces();
      const isQuoted = this.peek() === '"';
      const value = isQuoted ? this.quoted() : this.token();
      if (value === '' && !isQuoted) throw malformed(`parameter ${name} has no value`);
      const key = name.toLowerCase();
      if (Object.hasOwn(params, key)) throw malformed(`parameter ${key} appears twice`);
      params[key] = value;
      this.skipSpaces();
      if (this.done()) return { scheme: scheme.toLowerCase(), params };
      if (this.peek() !== ',') throw malformed(`expected a comma after parameter ${key}`);
      while (!this.done() && /[\s,]/.test(this.peek())) this.#at++;
      if (this.done()) return { scheme: scheme.toLowerCase(), params };
    }
  }

  private tryToken68(): string | undefined {
    const start = this.#at;
    while (!this.done() && TOKEN68_CHAR.test(this.peek())) this.#at++;
    if (this.#at === start) return undefined;
    while (!this.done() && this.peek() === '=') this.#at++;
    const end = this.#at;
    this.skipSpaces();
    // A token68 stands alone (end or comma next); `name=value` is a parameter.
    if (this.done() || this.peek() === ',') return this.#text.slice(start, end);
    this.#at = start;
    return undefined;
  }

  private token(): string {
    const start = this.#at;
    while (!this.done() && TCHAR.test(this.peek())) this.#at++;
    return this.#text.slice(start, this.#at);
  }

  private quoted(): string {
    this.#at++; // opening quote
    let out = '';
    while (!this.done()) {
      const char = this.peek();
      if (char === '"') {
        this.#at++;
        return out;
      }
      if (char === '\\') {
        this.#at++;
        if (this.done()) break;
        out += this.peek();
        this.#at++;
        continue;
      }
      if (char === '\r' || char === '\n') throw malformed('line break inside a quoted string');
      out += char;
      this.#at++;
    }
    throw malformed('unterminated quoted string');
  }

  private skipSpaces(): void {
    while (!this.done() && (this.peek() === ' ' || this.peek() === '\t')) this.#at++;
  }

  private peek(): string {
    return this.#text[this.#at] ?? '';
  }
}

function malformed(reason: string): RegcredError {
  return new RegcredError(ErrorCode.CredentialInvalid, `malformed WWW-Authenticate header: ${reason}`, {
    details: { reason },
  });
}
