import { Gauge } from 'prom-client';
import type { StaticCopyStatus } from '../publisher/static-copy.js';
import type { TallyMetrics } from './tally-metrics.js';

/**
 * Per static copy of the published log ([publish.static], [publish.s3]), labelled by its kind: the
 * size of the checkpoint it holds, whether it is failing, and its failed attempts. Read at scrape time.
 */
export function registerStaticCopyGauges(
  metrics: TallyMetrics,
  copies: () => readonly StaticCopyStatus[],
): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'tally_static_copy_size',
    help: 'Size of the checkpoint each static copy of the published log holds (absent until read).',
    labelNames: ['target'],
    registers,
    collect() {
      this.reset();
      for (const copy of copies()) if (copy.size !== undefined) this.set({ target: copy.kind }, copy.size);
    },
  });
  new Gauge({
    name: 'tally_static_copy_failing',
    help: '1 while the last attempt to update a static copy failed (it is retried), else 0.',
    labelNames: ['target'],
    registers,
    collect() {
      this.reset();
      for (const copy of copies()) this.set({ target: copy.kind }, copy.failing ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tally_static_copy_failed_attempts',
    help: 'Attempts to update a static copy that failed since the daemon started.',
    labelNames: ['target'],
    registers,
    collect() {
      this.reset();
      for (const copy of copies()) this.set({ target: copy.kind }, copy.failures);
    },
  });
}
