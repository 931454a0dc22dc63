import { Gauge } from 'prom-client';
import type { WitnessCosigningStatus } from '../publisher/witness-submitter.js';
import type { TallyMetrics } from './tally-metrics.js';

/**
 * Per [[publish.witness]] of each published log, labelled by log and witness name: the size it
 * last validly cosigned, whether it is failing, its failed submissions and when the last was
 * attempted. Read at scrape time.
 */
export function registerWitnessCosigningGauges(
  metrics: TallyMetrics,
  witnesses: () => readonly { log: string; status: WitnessCosigningStatus }[],
): void {
  const registers = [metrics.registry];
  const gauge = (name: string, help: string, value: (status: WitnessCosigningStatus) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['log', 'witness'],
      registers,
      collect() {
        this.reset();
        for (const { log, status } of witnesses()) {
          const v = value(status);
          if (v !== undefined) this.set({ log, witness: status.name }, v);
        }
      },
    });
  gauge(
    'tally_publish_witness_cosigned_size',
    'Size of the newest checkpoint of the published log each witness validly cosigned (absent before any).',
    (s) => s.cosignedSize,
  );
  gauge(
    'tally_publish_witness_failing',
    '1 while the last submission of a checkpoint to the witness failed (it is retried with backoff), else 0.',
    (s) => (s.lastError === '' ? 0 : 1),
  );
  gauge(
    'tally_publish_witness_failed_submissions',
    'Submissions of checkpoints to the witness that failed since the daemon started.',
    (s) => s.failures,
  );
  gauge(
    'tally_publish_witness_last_attempt_timestamp_seconds',
    'When a checkpoint was last submitted to the witness, POSIX seconds (absent before any).',
    (s) => (s.lastAttemptMs === undefined ? undefined : s.lastAttemptMs / 1000),
  );
}
