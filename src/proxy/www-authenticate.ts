/** One challenge of a `WWW-Authenticate` header: lower-cased scheme and lower-cased parameter names. */
export interface Challenge {
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
}

const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses a `WWW-Authenticate` value (RFC 9110 §11.6.1) into its challenges. Strict: returns undefined for
 * anything malformed (unterminated quote, bad token, duplicate parameter) rather than guessing, so a
 * hostile upstream cannot smuggle a realm through sloppy parsing. token68 forms are not used by
 * registries and are refused.
 */
export function parseWwwAuthenticate(header: string): Challenge[] | undefined {
  const s = header;
  let i = 0;
  const challenges: { scheme: string; params: Map<string, string> }[] = [];
  const skipSpace = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i] ?? '')) i++;
    return s.slice(start, i);
  };
  const quoted = (): string | undefined => {
    // at the opening quote
    i++;
    let out = '';
    while (i < s.length) {
      const ch = s[i] ?? '';
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        const next = s[i + 1];
        if (next === undefined) return undefined;
        out += next;
        i += 2;
        continue;
      }
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are invalid here
      if (/[\x00-\x08\x0a-\x1f\x7f]/.test(ch)) return undefined;
      out += ch;
      i++;
    }
    return undefined;
  };

  skipSpace();
  while (i < s.length) {
    const scheme = token();
    if (scheme === '') return undefined;
    const current = { scheme: scheme.toLowerCase(), params: new Map<string, string>() };
    challenges.push(current);
    skipSpace();
    // Parameters until the next challenge: `key=value` separated by commas.
    for (;;) {
      if (i >= s.length) break;
      const save = i;
      const key = token();
      skipSpace();
      if (key === '' || s[i] !== '=') {
        // Not a parameter: either the start of the next challenge (after a comma) or garbage.
        i = save;
        if (key !== '' && current.params.size === 0 && save > 0 && s[save - 1] !== ',') return undefined;
        break;
      }
      i++;
      skipSpace();
      let value: string | undefined;
      if (s[i] === '"') value = quoted();
      else {
        value = token();
        if (value === '') value = undefined;
      }
      if (value === undefined) return undefined;
      const lower = key.toLowerCase();
      if (current.params.has(lower)) return undefined;
      current.params.set(lower, value);
      skipSpace();
      if (i >= s.length) break;
      if (s[i] !== ',') return undefined;
      i++;
      skipSpace();
      // Skip empty list elements.
      while (s[i] === ',') {
        i++;
        skipSpace();
      }
    }
    skipSpace();
    if (i < s.length && s[i] === ',') {
      i++;
      skipSpace();
    }
  }
  return challenges.length === 0 ? undefined : challenges;
}
