/**
 * npm run bench:tiles-verify — the tiles client (src/verify/tiled-log.ts) reading a log of
 * --entries leaves: random entries verified end to end (entry bundle against its tile, value
 * against its digest, inclusion proof against the signed root), first with an empty tile cache,
 * then again with the cache warm (what a follower holds), through an in-memory source (the
 * verifier's own CPU cost) and over HTTP (HttpLogSource to a node:http server in this process).
 *
 * Usage: node dist/bench/tiles-verify-bench.js [--entries 1048576] [--lookups 2000]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { HttpLogSource } from '../src/api/http-log-source.js';
import { sha256 } from '../src/crypto/sha256.js';
import { encodeLeaf, hashLeaf, planRoot } from '../src/log/index.js';
import {
  ENTRY_BUNDLE,
  VALUE_BUNDLE,
  encodeBundle,
  parseLogResourcePath,
  nodeHashFromTiles,
  TileTree,
  tileBytesFromLeafHashes,
  tileKey,
  type LogResource,
} from '../src/tiles/index.js';
import { TiledLogVerifier } from '../src/verify/tiled-log.js';
import { MemoryTileCache, type LogResourceSource } from '../src/verify/tile-sources.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: String(1 << 20) },
    lookups: { type: 'string', default: '2000' },
  },
});
const size = Number(args.entries);
const lookups = Number(args.lookups);

console.log(
  `machine: ${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)}`,
);
let started = performance.now();
const keyOf = (n: number) => sha256(Buffer.from(`bench ${n}`)).subarray(0, 20);
const valueOf = (n: number) => Buffer.from(`StorePath: /nix/store/${n}-bench\nNarSize: ${n}\n`.repeat(4));
const leaves = Array.from({ length: size }, (_, n) => encodeLeaf(keyOf(n), sha256(valueOf(n))));
const tiles = tileBytesFromLeafHashes(leaves.map(hashLeaf));
const read = (level: number, index: number, width: number) =>
  new TileTree(tiles.get(tileKey({ level, index, width }))!);
const plan = planRoot(size);
const root = plan.assemble(plan.nodes.map((node) => nodeHashFromTiles(node, size, read)));
console.log(`built a log of ${size} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);

/** The honest server's bytes for a resource. */
function bytesOf(resource: LogResource): Buffer {
  if (resource.kind === 'checkpoint') throw new Error('no checkpoint in this bench');
  const { tile } = resource;
  if (resource.kind === 'tile') return tiles.get(tileKey(tile))!;
  const first = tile.index * 256;
  const range = Array.from({ length: tile.width }, (_, i) => first + i);
  return resource.kind === 'entries'
    ? encodeBundle(
        ENTRY_BUNDLE,
        range.map((n) => leaves[n]!),
      )
    : encodeBundle(VALUE_BUNDLE, range.map(valueOf));
}

class CountingSource implements LogResourceSource {
  count = 0;
  constructor(private readonly inner: LogResourceSource) {}
  get(resource: LogResource): Promise<Uint8Array> {
    this.count++;
    return this.inner.get(resource);
  }
}

// One sequence of random indices for every run, so the runs do the same work.
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * size;
const indices = Array.from({ length: lookups }, () => Math.floor(random()));

async function run(name: string, source: LogResourceSource): Promise<void> {
  const cache = new MemoryTileCache();
  for (const temperature of ['cold', 'warm'] as const) {
    const counting = new CountingSource(source);
    const verifier = new TiledLogVerifier({ size, root }, counting, cache);
    started = performance.now();
    const cpu = process.cpuUsage();
    // 16 at a time, as a follower's lookups overlap.
    for (let at = 0; at < indices.length; at += 16) {
      await Promise.all(
        indices.slice(at, at + 16).map(async (index) => {
          await Promise.all([verifier.entry(index), verifier.value(index), verifier.inclusionProof(index)]);
        }),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    console.log(
      `${name.padEnd(6)} ${temperature}: ${lookups} entries verified in ${seconds.toFixed(2)} s ` +
        `= ${Math.round(lookups / seconds)}/s (${Math.round(lookups / cpuSeconds)} per CPU s), ` +
        `${counting.count} resources fetched, ${cache.size} tiles cached`,
    );
  }
}

await run('memory', { get: (resource) => Promise.resolve(bytesOf(resource)) });

const server = http.createServer((req, res) => {
  const resource = parseLogResourcePath(req.url!.slice(1));
  if (resource === undefined || resource.kind === 'checkpoint') {
    res.statusCode = 404;
    return res.end();
  }
  res.end(bytesOf(resource));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const httpSource = new HttpLogSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
await run('http', httpSource);
httpSource.close();
server.close();
