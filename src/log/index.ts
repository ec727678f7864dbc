/**
 * Structured logs (pino). Services receive a logger; only the CLI decides where logs go.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: LevelWithSilent;
  /** Component name, added to every line. */
  readonly name?: string;
  /** Write to stderr (the CLI: stdout carries the command's output). Default true. */
  readonly stderr?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      // A token or password must never reach a log line, whatever object is logged.
      redact: { paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization'], censor: '[redacted]' },
    },
    pino.destination({ fd: options.stderr === false ? 1 : 2, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
