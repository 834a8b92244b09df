import { readFile, stat } from 'node:fs/promises';

/** Changes when a file is replaced or rewritten (inode, size, mtime). Throws the fs error. */
export async function fileStamp(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}

/**
 * A small file (a mounted Secret: password, key, client secret) read again only when it changed, so a
 * rotation is picked up without reading the file on every credential fetch. `parse` may throw its own
 * error (empty, malformed): nothing is cached then. fs failures become `fail(error)`.
 */
export class ChangedFile<T> {
  readonly path: string;
  readonly #parse: (text: string) => T;
  readonly #fail: (error: unknown) => Error;
  #cached: { readonly stamp: string; readonly value: T } | undefined;

  constructor(path: string, parse: (text: string) => T, fail: (error: unknown) => Error) {
    this.path = path;
    this.#parse = parse;
    this.#fail = fail;
  }

  async read(): Promise<T> {
    let stamp: string;
    let text: string;
    try {
      stamp = await fileStamp(this.path);
      if (this.#cached?.stamp === stamp) return this.#cached.value;
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw this.#fail(error);
    }
    const value = this.#parse(text);
    this.#cached = { stamp, value };
    return value;
  }
}
