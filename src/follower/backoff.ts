/** The longest wait between retries of an unreachable log, however long its poll interval. */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;

/**
 * How long to wait before the next poll: the poll interval while the log answers; after
 * `failures` failures in a row, a doubling delay starting at one second, capped at
 * max(interval, 5 minutes). `jitter` in [0, 1) spreads retries of many logs apart (+-10%).
 */
export function nextPollDelayMs(intervalMs: number, failures: number, jitter: number): number {
  const base =
    failures === 0
      ? intervalMs
      : Math.min(1000 * 2 ** Math.min(failures - 1, 30), Math.max(intervalMs, MAX_RETRY_DELAY_MS));
  return Math.round(base * (0.9 + 0.2 * jitter));
}
