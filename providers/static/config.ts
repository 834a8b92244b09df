import { z } from 'zod';

/** Exactly one password source; inline `password:` is allowed but `passwordFile`/`passwordEnv` are preferred. */
export const staticConfigSchema = z
  .strictObject({
    username: z.string().min(1, 'username must not be empty'),
    password: z.string().min(1, 'password must not be empty').optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'passwordEnv must be an environment variable name')
      .optional(),
    passwordFile: z.string().min(1, 'passwordFile must not be empty').optional(),
  })
  .superRefine((value, ctx) => {
    const sources = (['password', 'passwordEnv', 'passwordFile'] as const).filter(
      (k) => value[k] !== undefined,
    );
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: sources.length === 0 ? ['passwordFile'] : [sources[1] ?? 'password'],
        message:
          sources.length === 0
            ? 'set one of passwordFile, passwordEnv or password'
            : `set only one of passwordFile, passwordEnv or password (found ${sources.join(' and ')})`,
      });
    }
  });

export type StaticConfig = z.output<typeof staticConfigSchema>;
