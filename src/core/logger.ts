import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { REDACTED, SecretScrubber } from './redaction.ts';

export type { Logger } from 'pino';

/**
 * Paths that always hold secrets, whatever their value looks like. Pino removes them before
 * serializing; the scrubber then catches known values and secret shapes anywhere else.
 */
export const REDACT_PATHS: readonly string[] = [
  'password',
  'secret',
  'token',
  'auth',
  'authorization',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'credential.password',
  'credentials.password',
  '*.password',
  '*.secret',
  '*.token',
  '*.auth',
  '*.authorization',
  '*.Authorization',
  '*.accessToken',
  '*.access_token',
  '*.refresh_token',
  '*.clientSecret',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '.dockerconfigjson',
  'data[".dockerconfigjson"]',
  '*.data[".dockerconfigjson"]',
];

export interface CreateLoggerOptions {
  level?: string;
  /** Where JSON lines go. Defaults to stderr: stdout belongs to the protocol in several commands. */
  destination?: DestinationStream;
  /** Shared scrubber, so secrets registered by providers are scrubbed from every log line. */
  scrubber?: SecretScrubber;
  /** Static fields on every line. */
  base?: Record<string, unknown>;
}

/** A pino logger that redacts secrets by path and by value. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const scrubber = options.scrubber ?? new SecretScrubber();
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.base ?? { name: 'regcred' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubber.scrubValue(object) as Record<string, unknown>,
    },
    serializers: {
      err: (error: unknown) => scrubber.scrubValue(error),
      error: (error: unknown) => scrubber.scrubValue(error),
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubber.scrub(arg) : arg));
        method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
  };
  return pino(pinoOptions, options.destination ?? pino.destination({ fd: 2, sync: true }));
}

/** A logger that writes nothing, for library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
