import { Gauge } from 'prom-client';
import type { TallyMetrics } from './tally-metrics.js';

/** What the gauges read of a followed log (the follower's FollowedLog has this shape). */
export interface FollowedLogView {
  readonly name: string;
  readonly compromised: boolean;
  readonly head: { readonly checkpoint: { readonly size: number }; readonly seenAtMs: number } | undefined;
  /** Mirrors only: entries held up to the mirrored checkpoint, and entries audited. */
  readonly mirrorProgress?: { mirrored: number; stored: number; audited: number; auditFailed: boolean };
}

/**
 * Per followed log: the size of its verified head, how long ago that head was last verified, and
 * whether the log is compromised. Read from `logs()` at scrape time, so nothing is kept twice.
 * A log with no verified head yet has no size or age sample.
 */
export function registerFollowedLogGauges(
  metrics: TallyMetrics,
  logs: () => readonly FollowedLogView[],
  now: () => number = Date.now,
): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'tally_followed_log_size',
    help: 'Entries in the latest verified head (checkpoint size) of each followed log.',
    labelNames: ['log'],
    registers,
    collect() {
      this.reset();
      for (const log of logs()) if (log.head) this.set({ log: log.name }, log.head.checkpoint.size);
    },
  });
  new Gauge({
    name: 'tally_followed_log_head_age_seconds',
    help: 'Seconds since the head of each followed log was last fetched or confirmed and verified.',
    labelNames: ['log'],
    registers,
    collect() {
      this.reset();
      const at = now();
      for (const log of logs()) {
        if (log.head) this.set({ log: log.name }, Math.max(0, (at - log.head.seenAtMs) / 1000));
      }
    },
  });
  const mirrorGauge = (
    name: string,
    help: string,
    read: (p: NonNullable<FollowedLogView['mirrorProgress']>) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['log'],
      registers,
      collect() {
        this.reset();
        for (const log of logs())
          if (log.mirrorProgress) this.set({ log: log.name }, read(log.mirrorProgress));
      },
    });
  mirrorGauge(
    'tally_mirror_entries',
    'Mirrored logs: size of the latest checkpoint whose every entry the mirror holds.',
    (p) => p.mirrored,
  );
  mirrorGauge(
    'tally_mirror_stored_entries',
    'Mirrored logs: entries fetched and verified so far (ahead of tally_mirror_entries while catching up).',
    (p) => p.stored,
  );
  mirrorGauge(
    'tally_mirror_audited_entries',
    'Mirrored logs: entries replayed into the recomputed map, every stored checkpoint up to them checked.',
    (p) => p.audited,
  );
  mirrorGauge(
    'tally_mirror_audit_failed',
    'Mirrored logs: 1 when the audit found the entries contradict a signed checkpoint, else 0.',
    (p) => (p.auditFailed ? 1 : 0),
  );
  new Gauge({
    name: 'tally_followed_log_compromised',
    help: '1 when a followed log is compromised (fork or rollback evidence; it no longer votes), else 0.',
    labelNames: ['log'],
    registers,
    collect() {
      this.reset();
      for (const log of logs()) this.set({ log: log.name }, log.compromised ? 1 : 0);
    },
  });
}
