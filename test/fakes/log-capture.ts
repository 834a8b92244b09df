import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/core/logger.ts';
import { SecretScrubber } from '../../src/core/redaction.ts';

/** A real regcred logger whose JSON lines are kept in memory, to prove no secret reaches a log. */
export interface LogCapture {
  readonly logger: Logger;
  readonly scrubber: SecretScrubber;
  /** Every line written so far, raw. */
  text(): string;
  /** Every line parsed. */
  lines(): Record<string, unknown>[];
  /** Throws naming the first secret found in any line. */
  assertNoSecrets(secrets: readonly string[]): void;
}

export function captureLogs(level = 'trace'): LogCapture {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const scrubber = new SecretScrubber();
  const logger = createLogger({ level, destination, scrubber });
  const text = () => chunks.join('');
  return {
    logger,
    scrubber,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    assertNoSecrets(secrets) {
      const all = text();
      for (const secret of secrets) {
        if (secret !== '' && all.includes(secret)) {
          throw new Error(
            `a secret (${secret.length} chars, starting ${secret.slice(0, 3)}…) reached the log`,
          );
        }
      }
    },
  };
}
