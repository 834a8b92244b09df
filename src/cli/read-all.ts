import type { Readable } from 'node:stream';
import { readCapped } from '../core/http-body.ts';

/** Reads a stream to its end as UTF-8, capped so a runaway writer cannot exhaust memory. */
export async function readAll(stream: Readable, maxBytes = 1024 * 1024): Promise<string> {
  const body = await readCapped(stream, maxBytes, () => new Error(`input is larger than ${maxBytes} bytes`));
  return body.toString('utf8');
}
