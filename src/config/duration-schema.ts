import { z } from 'zod';
import { parseDuration } from '../core/duration.ts';

/** A Go-style duration (`90s`, `1h30m`, `250ms`) or a number of seconds, as milliseconds. */
export const durationSchema = z
  .union([
    z.number().nonnegative(),
    z.string().refine((text) => parseDuration(text) !== undefined, {
      error: (issue) => `${JSON.stringify(issue.input)} is not a duration; write it like 30s, 5m or 1h30m`,
    }),
  ])
  .transform((value) => (typeof value === 'number' ? value * 1000 : (parseDuration(value) ?? 0)));
