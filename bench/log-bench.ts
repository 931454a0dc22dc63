/**
 * npm run bench:log — durable appends/s at 100k and 1M entries, bytes on disk per entry,
 * inclusion and map proofs/s from the 1M store, peak RSS. Prints one JSON line per measurement.
 *
 * Usage: node dist/bench/log-bench.js [--entries N] [--batch N] [--dir DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatSecretKey, generateSecretKey } from '../src/crypto/ed25519-keys.js';
import { sha256 } from '../src/crypto/sha256.js';
import { LogStore } from '../src/store/log-store.js';
import { createProgress } from '../src/cli/progress.js';
import { diskBytes, peakRssMiB, rssSplitMiB } from './disk-usage.js';
import { ownCpuSeconds } from './cpu-time.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    dir: { type: 'string' },
    proofs: { type: 'string', default: '100000' },
  },
});
const total = Number(args.entries);
const batchSize = Number(args.batch);
const proofCount = Number(args.proofs);
const dir = args.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-log-'));
const VALUE_BYTES = 200; // about the size of a canonical Nix output description

const line = (what: string, fields: Record<string, number | string>) => JSON.stringify({ what, ...fields });
const report = (what: string, fields: Record<string, number | string>) => console.log(line(what, fields));

const keyOf = (n: number) => sha256(Buffer.from(`bench key ${n}`)).subarray(0, 20);
const valueOf = (n: number) => {
  const v = Buffer.alloc(VALUE_BYTES, 0x61);
  v.write(`value ${n}`);
  return v;
};

// With --dir the signing key is kept beside the store, so the store can be reopened for profiling.
const storeKey = generateSecretKey('bench');
if (args.dir)
  fs.writeFileSync(path.join(dir, 'bench.key'), formatSecretKey(storeKey) + '\n', { mode: 0o600 });
const storeOptions = { key: storeKey, origin: 'tally.bench/log' };
const store = await LogStore.open(path.join(dir, 'log'), storeOptions);
report('setup', { entries: total, batch: batchSize, cpus: os.cpus().length, node: process.version, dir });

// CPU seconds (all threads: main, LevelDB compaction, libuv pool) are reported next to wall-clock
// rates (bench/cpu-time.ts).
// Anonymous memory is sampled after every batch and every 1,000 proofs (maxRSS counts both kinds).
let peakAnonMiB = 0;
const samplePeakAnon = () => (peakAnonMiB = Math.max(peakAnonMiB, rssSplitMiB().anonMiB));
const memory = () => {
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 2 ** 20);
  const split = rssSplitMiB();
  samplePeakAnon();
  return {
    rssMiB: mib(m.rss),
    rssAnonMiB: split.anonMiB,
    rssFileMiB: split.fileMiB,
    heapMiB: mib(m.heapUsed),
  };
};

const started = performance.now();
const startedCpu = ownCpuSeconds();
let windowStart = started;
let windowCpu = startedCpu;
let windowEntries = 0;
// A bar on stderr when it is a terminal (not in CI); the JSON lines on stdout stay intact.
const appendProgress = createProgress('appends', total);
for (let n = 0; n < total; n += batchSize) {
  const count = Math.min(batchSize, total - n);
  const batch = Array.from({ length: count }, (_, i) => ({ key: keyOf(n + i), value: valueOf(n + i) }));
  await store.integrate(batch);
  samplePeakAnon();
  windowEntries += count;
  const done = n + count;
  appendProgress.update(done);
  if (done % 100_000 === 0 || done === total) {
    const now = performance.now();
    const cpu = ownCpuSeconds();
    appendProgress.print(
      line('appends', {
        at: done,
        appendsPerSecCumulative: Math.round(done / ((now - started) / 1000)),
        appendsPerSecLast100k: Math.round(windowEntries / ((now - windowStart) / 1000)),
        appendsPerCpuSecLast100k: Math.round(windowEntries / (cpu - windowCpu)),
        ...memory(),
      }),
    );
    windowStart = now;
    windowCpu = cpu;
    windowEntries = 0;
  }
}
appendProgress.finish();
await store.close();

// Reopen so disk usage reflects what LevelDB keeps after a clean close.
const bytes = diskBytes(path.join(dir, 'log'));
report('disk', {
  bytesPerEntry: Math.round(bytes / total),
  bytesPerEntryValuesExcluded: Math.round(bytes / total - VALUE_BYTES - 33),
  totalMiB: Math.round(bytes / 2 ** 20),
});

let t = performance.now();
let tCpu = ownCpuSeconds();
const rates = () => ({
  perSec: Math.round(proofCount / ((performance.now() - t) / 1000)),
  perCpuSec: Math.round(proofCount / (ownCpuSeconds() - tCpu)),
});
const reopened = await LogStore.open(path.join(dir, 'log'), storeOptions);
report('reopen', {
  ms: Math.round(performance.now() - t),
  cpuMs: Math.round((ownCpuSeconds() - tCpu) * 1000),
  ...memory(),
});
const size = reopened.size;
let sink = 0;
let proofProgress = createProgress('inclusion proofs', proofCount);
t = performance.now();
tCpu = ownCpuSeconds();
for (let i = 0; i < proofCount; i++) {
  const index = Math.floor(Math.random() * size);
  sink += reopened.inclusionProof(index, size).proof.length;
  if (i % 1000 === 0) {
    samplePeakAnon();
    proofProgress.update(i);
  }
}
proofProgress.finish();
report('inclusion proofs', { ...rates(), size });

proofProgress = createProgress('lookups', proofCount);
t = performance.now();
tCpu = ownCpuSeconds();
for (let i = 0; i < proofCount; i++) {
  // Half present keys, half absent ones, so both proof kinds are measured.
  const key =
    i % 2 === 0
      ? keyOf(Math.floor(Math.random() * size))
      : sha256(Buffer.from(`absent ${i}`)).subarray(0, 20);
  sink += (await reopened.lookup(key)).mapProof.siblings.length;
  if (i % 1000 === 0) {
    samplePeakAnon();
    proofProgress.update(i);
  }
}
proofProgress.finish();
report('lookups (map proof + inclusion proof + value)', rates());
await reopened.close();
report('memory', {
  peakRssMiB: Math.round(peakRssMiB()),
  peakAnonMiBSampled: peakAnonMiB,
  ...memory(),
  sink,
});
if (!args.dir) fs.rmSync(dir, { recursive: true, force: true });
