import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  createTallyMetrics,
  registerFollowedLogGauges,
  registerSpoolGauge,
  type FollowedLogView,
} from '../../src/metrics/index.js';
import { writeSpoolFile } from '../../src/builder/spool-writer.js';
import { countSpoolFiles, rejectSpoolFile } from '../../src/publisher/spool-reader.js';
import { tempDir } from '../helpers/tmp.js';
import { labelSets, sampleValue } from './prometheus-text.js';

const followed = (
  name: string,
  size: number | undefined,
  seenAtMs = 0,
  compromised = false,
): FollowedLogView => ({
  name,
  compromised,
  head: size === undefined ? undefined : { checkpoint: { size }, seenAtMs },
});

describe('followed-log gauges', () => {
  test('size, head age and compromised per log, read from the follower state at each scrape', async () => {
    const metrics = createTallyMetrics();
    let logs = [followed('a', 12, 1_000_000), followed('b', 3, 990_000, true), followed('c', undefined)];
    let now = 1_004_500;
    registerFollowedLogGauges(
      metrics,
      () => logs,
      () => now,
    );

    let text = await metrics.registry.metrics();
    expect(sampleValue(text, 'tally_followed_log_size', { log: 'a' })).toBe(12);
    expect(sampleValue(text, 'tally_followed_log_size', { log: 'b' })).toBe(3);
    expect(sampleValue(text, 'tally_followed_log_head_age_seconds', { log: 'a' })).toBe(4.5);
    expect(sampleValue(text, 'tally_followed_log_head_age_seconds', { log: 'b' })).toBe(14.5);
    // A log without a verified head has no size or age, but is still reported as not compromised.
    expect(labelSets(text, 'tally_followed_log_size')).toEqual([{ log: 'a' }, { log: 'b' }]);
    expect(labelSets(text, 'tally_followed_log_head_age_seconds')).toEqual([{ log: 'a' }, { log: 'b' }]);
    expect(
      ['a', 'b', 'c'].map((log) => sampleValue(text, 'tally_followed_log_compromised', { log })),
    ).toEqual([0, 1, 0]);

    logs = [followed('a', 20, 1_010_000), followed('b', 3, 990_000, true), followed('c', 7, 1_009_000, true)];
    now = 1_010_000;
    text = await metrics.registry.metrics();
    expect(sampleValue(text, 'tally_followed_log_size', { log: 'a' })).toBe(20);
    expect(sampleValue(text, 'tally_followed_log_head_age_seconds', { log: 'a' })).toBe(0);
    expect(sampleValue(text, 'tally_followed_log_size', { log: 'c' })).toBe(7);
    expect(sampleValue(text, 'tally_followed_log_head_age_seconds', { log: 'c' })).toBe(1);
    expect(sampleValue(text, 'tally_followed_log_compromised', { log: 'c' })).toBe(1);
  });
});

describe('spool depth', () => {
  const entry = { key: Buffer.alloc(20, 1), value: Buffer.from('value') };

  test('counts spooled files waiting, not temp files nor rejected ones', async () => {
    const spoolDir = path.join(tempDir('tally-spool-gauge-'), 'spool');
    const metrics = createTallyMetrics();
    registerSpoolGauge(metrics, () => countSpoolFiles(spoolDir));
    expect(sampleValue(await metrics.registry.metrics(), 'tally_spool_files')).toBe(0); // no directory yet

    writeSpoolFile(spoolDir, { logId: '', entries: [entry] });
    const rejected = writeSpoolFile(spoolDir, { logId: '', entries: [entry] });
    writeSpoolFile(spoolDir, { logId: '', entries: [entry] });
    fs.writeFileSync(path.join(spoolDir, '.half-written.tmp'), '{');
    rejectSpoolFile(rejected);
    expect(sampleValue(await metrics.registry.metrics(), 'tally_spool_files')).toBe(2);
  });
});

test('each daemon has its own registry: metrics of one never show in another', async () => {
  const [first, second] = [createTallyMetrics(), createTallyMetrics()];
  first.decisions.inc({ outcome: 'decided', source: 'fresh' });
  expect(
    sampleValue(await first.registry.metrics(), 'tally_decisions_total', {
      outcome: 'decided',
      source: 'fresh',
    }),
  ).toBe(1);
  expect(
    sampleValue(await second.registry.metrics(), 'tally_decisions_total', {
      outcome: 'decided',
      source: 'fresh',
    }),
  ).toBeUndefined();
  // prom-client's default process metrics are in each registry (its CPU counter counts from the
  // registry's creation, so it may still read 0 here).
  expect(
    sampleValue(await second.registry.metrics(), 'process_cpu_user_seconds_total'),
  ).toBeGreaterThanOrEqual(0);
});
