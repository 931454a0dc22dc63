import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/types.js';

/** Structured JSON logs on stdout, one object per line, so operators and tests can parse them. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { pid: process.pid } });
}
