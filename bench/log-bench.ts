/**
 * npm run bench:log — durable appends/s, appends per CPU-second, peak RSS, reopen time and bytes on
 * disk per entry at each of --report-at (default 1M) and at --entries (default 1M; 10M works: the
 * entries are generated one batch at a time, so the bench holds only one batch); then inclusion
 * and map proofs/s from the final store, and full tiles served per second over HTTP by a real
 * `tally daemon` over this store against nginx serving the same tile files (bench/log-http.ts).
 * Prints one JSON line per measurement.
 *
 * Usage: node dist/bench/log-bench.js [--entries N] [--report-at N,N] [--batch N] [--proofs N]
 *   [--http-tiles N] [--http-seconds S] [--http-rounds N] [--connections N] [--dir DIR]
 *   [--daemon-node-args "..."]
 * A --dir kept from an earlier run is reused (its key and log): the log is extended to --entries,
 * so a second run with the same --entries measures only the open, the proofs and the HTTP serving.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultOrigin, logIdOf } from '../src/checkpoint/log-id.js';
import { logStoreDirOf } from '../src/config/state-paths.js';
import {
  generateSecretKey,
  publicKeyOf,
  readSecretKeyFile,
  writeKeyPair,
} from '../src/crypto/ed25519-keys.js';
import { sha256 } from '../src/crypto/sha256.js';
import { LogStore } from '../src/store/log-store.js';
import { createProgress } from '../src/cli/progress.js';
import { diskBytes, peakRssMiB, rssSplitMiB } from './disk-usage.js';
import { ownCpuSeconds } from './cpu-time.js';
import { fullTilePaths, measureTileServing, writeStaticTiles } from './log-http.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    'report-at': { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    /** Kept after the run, so the store can be reopened (e.g. for profiling); default a temp dir. */
    dir: { type: 'string' },
    proofs: { type: 'string', default: '100000' },
    /** Full tiles requested round-robin; 0 skips the HTTP measurement. */
    'http-tiles': { type: 'string', default: '4096' },
    'http-seconds': { type: 'string', default: '5' },
    'http-rounds': { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    /** Extra node flags for the daemon serving tiles, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
    'daemon-node-args': { type: 'string', default: '' },
  },
});
const total = Number(args.entries);
const batchSize = Number(args.batch);
const proofCount = Number(args.proofs);
const reportAt = new Set([
  ...args['report-at']
    .split(',')
    .map(Number)
    .filter((n) => n > 0 && n < total),
  total,
]);
const dir = args.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-log-'));
const VALUE_BYTES = 200; // about the size of a canonical Nix output description

const line = (what: string, fields: Record<string, number | string>) => JSON.stringify({ what, ...fields });
const report = (what: string, fields: Record<string, number | string>) => console.log(line(what, fields));
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const keyOf = (n: number) => sha256(Buffer.from(`bench key ${n}`)).subarray(0, 20);
const valueOf = (n: number) => {
  const v = Buffer.alloc(VALUE_BYTES, 0x61);
  v.write(`value ${n}`);
  return v;
};

// The store is laid out as a daemon's state directory publishing it, so a real daemon can serve it.
const stateDir = path.join(dir, 'state');
// A --dir from an earlier run is reused: its log is extended to --entries (or only measured).
const keyFile = path.join(stateDir, 'keys', 'bench.secret');
const storeKey = fs.existsSync(keyFile) ? readSecretKeyFile(keyFile) : generateSecretKey('bench');
if (!fs.existsSync(keyFile)) writeKeyPair(path.join(stateDir, 'keys'), storeKey);
const logId = logIdOf(publicKeyOf(storeKey));
const storeDir = logStoreDirOf(stateDir, logId);
const storeOptions = { key: storeKey, origin: defaultOrigin(logId) };
const openStarted = performance.now();
let store = await LogStore.open(storeDir, storeOptions);
const initial = store.size;
report('setup', {
  openMs: Math.round(performance.now() - openStarted),
  initialSize: initial,
  entries: total,
  batch: batchSize,
  cpus: os.cpus().length,
  node: process.version,
  loadavg: loadavg(),
  dir,
});

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
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
  };
};

const started = performance.now();
const startedCpu = ownCpuSeconds();
let windowStart = started;
let windowCpu = startedCpu;
let windowEntries = 0;
// (entries, wall ms, CPU s) every 100k, for the rate over the last tenth before each report point.
const marks: { at: number; ms: number; cpu: number }[] = [{ at: initial, ms: started, cpu: startedCpu }];
let reopenMs = 0; // time spent closing and reopening at report points, not counted as appending
let reopenCpu = 0;

/** Close, measure the disk, reopen (timed): what a restart of the daemon at this size costs. */
async function reportPoint(at: number): Promise<void> {
  const now = performance.now();
  const cpu = ownCpuSeconds();
  const tenth = marks.findLast((m) => m.at <= at - at / 10) ?? marks[0]!;
  const last = marks.at(-1)!;
  const rates = {
    appendsPerSec: Math.round((at - initial) / ((now - started - reopenMs) / 1000)),
    appendsPerCpuSec: Math.round((at - initial) / (cpu - startedCpu - reopenCpu)),
    appendsPerSecLastTenth: Math.round((last.at - tenth.at) / ((last.ms - tenth.ms) / 1000)),
    appendsPerCpuSecLastTenth: Math.round((last.at - tenth.at) / (last.cpu - tenth.cpu)),
  };
  await store.close();
  const bytes = diskBytes(storeDir);
  const t0 = performance.now();
  const c0 = ownCpuSeconds();
  store = await LogStore.open(storeDir, storeOptions);
  const reopen = {
    reopenMs: Math.round(performance.now() - t0),
    reopenCpuMs: Math.round((ownCpuSeconds() - c0) * 1000),
  };
  reopenMs += performance.now() - now;
  reopenCpu += ownCpuSeconds() - cpu;
  report('at', {
    entries: at,
    ...rates,
    ...reopen,
    peakRssMiB: Math.round(peakRssMiB()),
    peakAnonMiBSampled: peakAnonMiB,
    bytesPerEntry: Math.round(bytes / at),
    bytesPerEntryValuesExcluded: Math.round(bytes / at - VALUE_BYTES - 33),
    diskMiB: Math.round(bytes / 2 ** 20),
    loadavg: loadavg(),
  });
}

// A bar on stderr when it is a terminal (not in CI); the JSON lines on stdout stay intact.
const appendProgress = createProgress('appends', total);
for (let n = initial; n < total; n += batchSize) {
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
    marks.push({ at: done, ms: now - reopenMs, cpu: cpu - reopenCpu });
    appendProgress.print(
      line('appends', {
        at: done,
        appendsPerSecLast100k: Math.round(windowEntries / ((now - windowStart) / 1000)),
        appendsPerCpuSecLast100k: Math.round(windowEntries / (cpu - windowCpu)),
        ...memory(),
      }),
    );
    windowEntries = 0;
  }
  for (const at of reportAt) if (n < at && at <= done) await reportPoint(done);
  if (done % 100_000 === 0 || done === total) {
    windowStart = performance.now();
    windowCpu = ownCpuSeconds();
  }
}
appendProgress.finish();
const reopened = store;

let t = performance.now();
let tCpu = ownCpuSeconds();
const rates = () => ({
  perSec: Math.round(proofCount / ((performance.now() - t) / 1000)),
  perCpuSec: Math.round(proofCount / (ownCpuSeconds() - tCpu)),
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
report('memory', {
  peakRssMiB: Math.round(peakRssMiB()),
  peakAnonMiBSampled: peakAnonMiB,
  ...memory(),
  sink,
});

const httpTiles = Number(args['http-tiles']);
if (httpTiles > 0) {
  const staticRoot = path.join(dir, 'static');
  const paths = fullTilePaths(logId, size, httpTiles);
  await writeStaticTiles(reopened, staticRoot, paths);
  await reopened.close();
  const rates = await measureTileServing({
    workDir: dir,
    staticRoot,
    stateDir,
    keyFile,
    paths,
    connections: Number(args.connections),
    seconds: Number(args['http-seconds']),
    rounds: Number(args['http-rounds']),
    nodeArgs: args['daemon-node-args'].split(' ').filter(Boolean),
  });
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const perSec = (ms: typeof rates.nginx) => median(ms.map((m) => m.count / m.seconds));
  const perServerCpu = (ms: typeof rates.nginx) => median(ms.map((m) => m.count / m.serverCpuSeconds));
  report('full tiles over HTTP', {
    tiles: paths.length,
    connections: Number(args.connections),
    nginxPerSec: Math.round(perSec(rates.nginx)),
    daemonPerSec: Math.round(perSec(rates.daemon)),
    ratio: Number((perSec(rates.daemon) / perSec(rates.nginx)).toFixed(2)),
    nginxPerServerCpuSec: Math.round(perServerCpu(rates.nginx)),
    daemonPerServerCpuSec: Math.round(perServerCpu(rates.daemon)),
    roundsPerSec: `nginx ${rates.nginx.map((m) => Math.round(m.count / m.seconds)).join('/')}, daemon ${rates.daemon.map((m) => Math.round(m.count / m.seconds)).join('/')}`,
    loadavg: loadavg(),
  });
} else {
  await reopened.close();
}
if (!args.dir) fs.rmSync(dir, { recursive: true, force: true });
