import { Gauge } from 'prom-client';
import type { TallyMetrics } from './tally-metrics.js';

/** The spool depth: submissions the post-build hook spooled that the daemon has not ingested yet. */
export function registerSpoolGauge(metrics: TallyMetrics, countSpooled: () => number): void {
  new Gauge({
    name: 'tally_spool_files',
    help: 'Spooled submissions waiting to be ingested (files in <state_dir>/spool, rejected ones excluded).',
    registers: [metrics.registry],
    collect() {
      this.set(countSpooled());
    },
  });
}
