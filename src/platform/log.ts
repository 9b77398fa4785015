/**
 * Structured logging. One pino root logger; each service and request gets a child. Secrets are redacted
 * by path so that no password, token or key reaches a log line even when a whole body is logged.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.authorization',
  'res.headers["x-subject-token"]',
  '*.password',
  '*.original_password',
  '*.secret',
  '*.token',
  '*.blob',
];

/** Builds the process's root logger. Writes JSON lines to stdout (or to `destination`). */
export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    name: options.name ?? 'flotilla',
    redact: { paths: REDACT, censor: '***' },
    base: { pid: process.pid },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that discards everything; for tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
