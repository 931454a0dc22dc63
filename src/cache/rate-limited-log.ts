import type { FastifyBaseLogger } from 'fastify';

/**
 * Lines that could come at Nix's request rate (refusals, aborted NARs), at most `perWindow`
 * of each message per `windowMs`; the rest are counted, and the next line of that message after
 * the window says how many were left out (`suppressed`).
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, { startMs: number; lines: number; suppressed: number }>();

  constructor(
    private readonly logger: FastifyBaseLogger,
    private readonly perWindow = 20,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  info(fields: Record<string, unknown>, message: string): void {
    this.write('info', fields, message);
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.write('warn', fields, message);
  }

  private write(level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    let window = this.windows.get(message);
    if (window === undefined || now - window.startMs >= this.windowMs) {
      const suppressed = window?.suppressed ?? 0;
      window = { startMs: now, lines: 0, suppressed: 0 };
      this.windows.set(message, window);
      if (suppressed > 0) fields = { ...fields, suppressed };
    }
    if (window.lines >= this.perWindow) {
      window.suppressed++;
      return;
    }
    window.lines++;
    this.logger[level](fields, message);
  }
}
