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
import { generateSecretKey } from '../src/crypto/ed25519-keys.js';
import { sha256 } from '../src/crypto/sha256.js';
import { LogStore } from '../src/store/log-store.js';
import { diskBytes, peakRssMiB } from './disk-usage.js';

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

const report = (what: string, fields: Record<string, number | string>) =>
  console.log(JSON.stringify({ what, ...fields }));

const keyOf = (n: number) => sha256(Buffer.from(`bench key ${n}`)).subarray(0, 20);
const valueOf = (n: number) => {
  const v = Buffer.alloc(VALUE_BYTES, 0x61);
  v.write(`value ${n}`);
  return v;
};

const storeOptions = { key: generateSecretKey('bench'), origin: 'tally.bench/log' };
const store = await LogStore.open(path.join(dir, 'log'), storeOptions);
report('setup', { entries: total, batch: batchSize, cpus: os.cpus().length, node: process.version, dir });

const started = performance.now();
let windowStart = started;
let windowEntries = 0;
for (let n = 0; n < total; n += batchSize) {
  const count = Math.min(batchSize, total - n);
  const batch = Array.from({ length: count }, (_, i) => ({ key: keyOf(n + i), value: valueOf(n + i) }));
  await store.integrate(batch);
  windowEntries += count;
  const done = n + count;
  if (done % 100_000 === 0 || done === total) {
    const now = performance.now();
    report('appends', {
      at: done,
      appendsPerSecCumulative: Math.round(done / ((now - started) / 1000)),
      appendsPerSecLast100k: Math.round(windowEntries / ((now - windowStart) / 1000)),
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
    windowStart = now;
    windowEntries = 0;
  }
}
await store.close();

// Reopen so disk usage reflects what LevelDB keeps after a clean close.
const bytes = diskBytes(path.join(dir, 'log'));
report('disk', {
  bytesPerEntry: Math.round(bytes / total),
  bytesPerEntryValuesExcluded: Math.round(bytes / total - VALUE_BYTES - 33),
  totalMiB: Math.round(bytes / 2 ** 20),
});

const reopened = await LogStore.open(path.join(dir, 'log'), storeOptions);
const size = reopened.size;
let sink = 0;
let t = performance.now();
for (let i = 0; i < proofCount; i++) {
  const index = Math.floor(Math.random() * size);
  sink += reopened.inclusionProof(index, size).proof.length;
}
report('inclusion proofs', { perSec: Math.round(proofCount / ((performance.now() - t) / 1000)), size });

t = performance.now();
for (let i = 0; i < proofCount; i++) {
  // Half present keys, half absent ones, so both proof kinds are measured.
  const key = i % 2 === 0 ? keyOf(Math.floor(Math.random() * size)) : sha256(Buffer.from(`absent ${i}`)).subarray(0, 20);
  sink += (await reopened.lookup(key)).mapProof.siblings.length;
}
report('lookups (map proof + inclusion proof + value)', { perSec: Math.round(proofCount / ((performance.now() - t) / 1000)) });
await reopened.close();
report('memory', { peakRssMiB: Math.round(peakRssMiB()), sink });
if (!args.dir) fs.rmSync(dir, { recursive: true, force: true });
