/**
 * npm run bench:static-copy — the cost of [publish.static]: commits/s through group commit with and
 * without a directory copy being kept up to date (side by side, same workload), and how fast a
 * fresh copy catches up with the finished log (files/s). Prints one JSON line per measurement.
 *
 * Usage: node dist/bench/static-copy-bench.js [--entries N] [--batch N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { generateSecretKey, publicKeyOf } from '../src/crypto/ed25519-keys.js';
import { sha256 } from '../src/crypto/sha256.js';
import { DirectoryTarget } from '../src/publisher/directory-target.js';
import { GroupCommitPublisher } from '../src/publisher/group-commit.js';
import { StaticCopy } from '../src/publisher/static-copy.js';
import { LogStore } from '../src/store/log-store.js';
import { ownCpuSeconds } from './cpu-time.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '100' },
  },
});
const total = Number(args.entries);
const batchSize = Number(args.batch);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-static-'));
const key = generateSecretKey('bench');
const origin = 'tally.bench/static';
const log = { publicKey: publicKeyOf(key), origin };
const logger = pino({ level: 'silent' });
const report = (what: string, fields: Record<string, number | string>) =>
  console.log(JSON.stringify({ what, ...fields }));
const entry = (n: number) => ({
  key: sha256(Buffer.from(`bench key ${n}`)).subarray(0, 20),
  value: Buffer.alloc(200, n % 251),
});

/** Commits `total` entries in batches, one at a time; with `copyRoot`, a copy follows every commit. */
async function commitAll(name: string, copyRoot?: string) {
  const store = await LogStore.open(path.join(dir, name), { key, origin });
  const copy = copyRoot ? new StaticCopy(store, new DirectoryTarget(copyRoot), log, logger) : undefined;
  const publisher = new GroupCommitPublisher(
    store,
    { maxBatchEntries: batchSize, maxBatchDelayMs: 0 },
    logger,
    () => copy?.notify(),
  );
  const cpu = ownCpuSeconds();
  const started = performance.now();
  for (let n = 0; n < total; n += batchSize) {
    await publisher.submit(Array.from({ length: Math.min(batchSize, total - n) }, (_, i) => entry(n + i)));
  }
  const seconds = (performance.now() - started) / 1000;
  report('commits', {
    copy: copyRoot ? 'directory' : 'none',
    entries: total,
    batch: batchSize,
    seconds: Number(seconds.toFixed(2)),
    commitsPerSecond: Math.round(total / batchSize / seconds),
    cpuSeconds: Number((ownCpuSeconds() - cpu).toFixed(2)),
  });
  await copy?.stop();
  return store;
}

const countFiles = (root: string) =>
  fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;

report('setup', { entries: total, batch: batchSize, cpus: os.cpus().length, node: process.version, dir });
await (await commitAll('plain')).close();
const followed = await commitAll('followed', path.join(dir, 'followed-copy'));

// A fresh copy of the finished log: every signed size's partial tiles, then the checkpoint.
const root = path.join(dir, 'fresh-copy');
const copy = new StaticCopy(followed, new DirectoryTarget(root), log, logger);
const cpu = ownCpuSeconds();
const started = performance.now();
copy.notify();
while (copy.status.size !== followed.size) await new Promise((r) => setTimeout(r, 5));
const seconds = (performance.now() - started) / 1000;
await copy.stop();
const files = countFiles(root);
report('catch-up', {
  size: followed.size,
  checkpoints: total / batchSize,
  files,
  seconds: Number(seconds.toFixed(2)),
  filesPerSecond: Math.round(files / seconds),
  cpuSeconds: Number((ownCpuSeconds() - cpu).toFixed(2)),
});
await followed.close();
fs.rmSync(dir, { recursive: true, force: true });
