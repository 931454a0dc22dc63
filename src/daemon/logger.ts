import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogLevel } from '../config/types.js';

/** json: one object per line, for log collectors and tests; pretty: for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Pretty only when a person is watching: stdout is a terminal. Pipes, files and journald get JSON. */
export function logFormatFor(stdoutIsTty: boolean): LogFormat {
  return stdoutIsTty ? 'pretty' : 'json';
}

/** Structured logs on stdout; JSON unless stdout is a terminal. */
export function createLogger(
  level: LogLevel,
  format: LogFormat = logFormatFor(process.stdout.isTTY === true),
): Logger {
  const options = { level, base: { pid: process.pid } };
  if (format === 'json') return pino(options);
  // Synchronous like pino's own stdout stream, so the last lines before an exit are not lost.
  return pino(options, pinoPretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l' }));
}
