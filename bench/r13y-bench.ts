import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { registerR13yPageRoutes } from '../src/api/http/r13y-page-routes.js';
import type { R13yReport } from '../src/api/http/r13y-query.js';
import { registerR13yRoutes } from '../src/api/http/r13y-routes.js';
import { sha256 } from '../src/crypto/sha256.js';
import { encodeNixValue, hashPartOfKey, STORE_PATH_KEY_BYTES } from '../src/nix/index.js';
import type { MirroredRecord } from '../src/store/mirror-store.js';
import { R13yIndex } from '../src/store/r13y-index.js';

/*
 * bench:r13y: the reproducibility index of issue 16. Three logs of N entries each (the same N
 * store paths; the third log logs a different NarHash for 1 path in 100) are fed into a fresh
 * index as the follower feeds it from mirrors; then 10,000 new entries per the first log; then
 * the report's JSON routes and HTML pages are timed over real HTTP. Generating the records is inside the timed
 * feed, so the feed times are upper bounds. Prints times and the peak RSS of this process.
 */
const { values } = parseArgs({
  options: { entries: { type: 'string', default: '1000000' }, requests: { type: 'string', default: '50' } },
});
const N = Number(values.entries);
const REQUESTS = Number(values.requests);
const LOGS = ['a', 'b', 'c'].map((c) => c.repeat(64));
const PACKAGES = 5_000;
const CHECKPOINT_EVERY = 10_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-r13y-'));

const keyOf = (i: number) => sha256(Buffer.from(`path ${i}`)).subarray(0, STORE_PATH_KEY_BYTES);
const narHashOf = (i: number, lying: boolean) =>
  `sha256:${'0'.repeat(20)}${hashPartOfKey(sha256(Buffer.from(`nar ${i} ${lying}`)).subarray(0, 20))}`;

/** Entries [start, end) of log `logIndex`, as MirrorStore.records yields them. */
async function* records(logIndex: number, start: number, end: number): AsyncGenerator<MirroredRecord> {
  for (let i = start; i < end; i++) {
    const key = keyOf(i);
    const value = encodeNixValue({
      storePath: `/nix/store/${hashPartOfKey(key)}-pkg${i % PACKAGES}-1.${i % 7}`,
      narHash: narHashOf(i, logIndex === 2 && i % 100 === 0),
      narSize: 1000 + (i % 1000),
      references: [],
    });
    yield {
      index: i,
      key,
      valueDigest: sha256(value),
      value,
      firstCheckpointSize: Math.ceil((i + 1) / CHECKPOINT_EVERY) * CHECKPOINT_EVERY,
    };
  }
}

let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

const index = await R13yIndex.open(path.join(dir, 'r13y'));
let started = process.hrtime.bigint();
for (const [i, logId] of LOGS.entries()) await index.feed(logId, records(i, 0, N));
const firstBuild = seconds(started);
const summary = index.summary(0);
console.log(
  `first build: ${LOGS.length} logs x ${N} entries in ${firstBuild.toFixed(1)} s ` +
    `(${((LOGS.length * N) / firstBuild).toFixed(0)} entries/s); ${summary.shared} shared, ${summary.disputed} disputed; peak RSS ${mib(peak)} MiB`,
);

// The first log grows by 10,000 paths no other log holds yet.
started = process.hrtime.bigint();
await index.feed(LOGS[0]!, records(0, N, N + 10_000));
console.log(`update: 10000 new entries in ${(seconds(started) * 1000).toFixed(0)} ms`);

const app = Fastify({ logger: false });
const report: R13yReport = {
  index,
  logNames: new Map(LOGS.map((id, i) => [id, `builder-${i + 1}`])),
  mirrors: () => undefined,
};
registerR13yRoutes(app, report);
registerR13yPageRoutes(app, report);
const address = await app.listen({ host: '127.0.0.1', port: 0 });
const disputed = (await index.disputes({ limit: 1 })).items[0]!.hashPart;
const routes = [
  '/r13y.json',
  '/r13y/disputes.json',
  '/r13y/disputes.json?name=pkg4900-',
  `/r13y/disputes.json?page=${Math.ceil(summary.disputed / 50)}`,
  `/r13y/paths/${disputed}.json`,
  '/r13y',
  '/r13y?name=pkg4900-',
  `/r13y/paths/${disputed}`,
  `/r13y/pairs/${LOGS[0]}/${LOGS[2]}`,
  '/r13y/feed.atom',
];
for (const route of routes) {
  const times: number[] = [];
  for (let r = 0; r < REQUESTS; r++) {
    const at = process.hrtime.bigint();
    const answer = await fetch(address + route);
    await answer.arrayBuffer();
    if (!answer.ok) throw new Error(`${route} answered ${answer.status}`);
    times.push(seconds(at) * 1000);
  }
  times.sort((x, y) => x - y);
  const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(`GET ${route}: median ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms (${REQUESTS} requests)`);
}
await app.close();
await index.close();
clearInterval(sample);
console.log(`peak RSS ${mib(peak)} MiB`);
fs.rmSync(dir, { recursive: true, force: true });
