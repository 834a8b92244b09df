import type { z } from 'zod';
import type { ConfigIssue } from './errors.ts';
import type { ConfigValidation } from './provider.ts';

/** Runs a zod schema and returns every issue with its path, for `ProviderFactory.validateConfig`. */
export function validateWithZod<S extends z.ZodType>(schema: S, raw: unknown): ConfigValidation<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: zodIssues(result.error) };
}

export function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
    message: issue.message,
  }));
}
