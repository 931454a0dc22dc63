/**
 * npm run bench:decompress — every decoder the cache proxy can use (src/cache/decompress.ts),
 * each streaming a compressed NAR file into SHA-256 in this process, as the proxy does, beside
 * the CLI yardstick (`<tool> -dc | sha256sum`), in one run. MiB/s of decompressed NAR.
 *
 * Usage: node dist/bench/decompress-bench.js --xz FILE.nar.xz --zstd FILE.nar.zst [--bzip2 FILE]
 *   [--rounds 3]
 * (bench:cache prints where its NAR files are; any `nix copy --to file://...` cache has them.)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { decodersFor, type Compression } from '../src/cache/decompress.js';

const { values: args } = parseArgs({
  options: {
    xz: { type: 'string' },
    zstd: { type: 'string' },
    bzip2: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const MiB = 1024 * 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function hashThrough(stream: NodeJS.ReadableStream): Promise<number> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  hash.digest();
  return bytes;
}

console.log(
  `machine: ${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}`,
);
console.log('| format | decoder | MiB/s (median) | rounds |');
console.log('| --- | --- | --- | --- |');
for (const compression of ['zstd', 'xz', 'bzip2'] as const satisfies Compression[]) {
  const file = args[compression];
  if (!file) continue;
  const candidates = [
    ...decodersFor(compression),
    ...decodersFor(compression, { searchPath: '' }).slice(-1), // the in-package fallback
  ].filter((d, i, all) => all.findIndex((e) => e.name === d.name) === i);
  const rows: Record<string, number[]> = {};
  const sizes: Record<string, number> = {};
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const decoder of candidates) {
      const start = performance.now();
      const bytes = await hashThrough(decoder.open(fs.createReadStream(file, { highWaterMark: 64 * 1024 })));
      sizes[decoder.name] = bytes;
      (rows[decoder.name] ??= []).push(bytes / MiB / ((performance.now() - start) / 1000));
    }
    const narBytes = Math.max(0, ...Object.values(sizes));
    const start = performance.now();
    execFileSync('sh', ['-c', `${compression} -dc "$1" | sha256sum`, 'sh', file]);
    (rows[`CLI: ${compression} -dc | sha256sum`] ??= []).push(
      narBytes / MiB / ((performance.now() - start) / 1000),
    );
  }
  for (const [name, rates] of Object.entries(rows)) {
    console.log(
      `| ${compression} | ${name} | ${median(rates).toFixed(1)} | ${rates.map((r) => r.toFixed(1)).join(', ')} |`,
    );
  }
}
console.log(`load average at end ${os.loadavg()[0]!.toFixed(2)}`);
