import { Gauge } from 'prom-client';
import type { Summary } from '../r13y/index.js';
import type { TallyMetrics } from './tally-metrics.js';

/**
 * The reproducibility report's counts, read from its running tally at scrape time (nothing is
 * recomputed): paths logged by at least two logs that agree or are disputed, and per pair of
 * logs (labelled by the logs' configured names) the paths both logged and those they disagree on.
 * No samples while the daemon mirrors no log.
 */
export function registerR13yGauges(
  metrics: TallyMetrics,
  summary: () => Summary | undefined,
  nameOfLog: (logId: string) => string,
): void {
  const registers = [metrics.registry];
  const overall = (name: string, help: string, read: (s: Summary) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.reset();
        const s = summary();
        if (s) this.set(read(s));
      },
    });
  overall(
    'tally_r13y_agreeing_paths',
    'Paths logged by at least two mirrored logs, all with the same value.',
    (s) => s.agreeing,
  );
  overall(
    'tally_r13y_disputed_paths',
    'Paths for which two mirrored logs logged different values.',
    (s) => s.disputed,
  );
  const pair = (name: string, help: string, read: (p: Summary['byLogPair'][number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['log_a', 'log_b'],
      registers,
      collect() {
        this.reset();
        for (const p of summary()?.byLogPair ?? [])
          this.set({ log_a: nameOfLog(p.logs[0]), log_b: nameOfLog(p.logs[1]) }, read(p));
      },
    });
  pair('tally_r13y_pair_shared_paths', 'Paths both logs of the pair logged.', (p) => p.shared);
  pair(
    'tally_r13y_pair_disagreeing_paths',
    'Paths both logs of the pair logged with different values.',
    (p) => p.disagreeing,
  );
}
