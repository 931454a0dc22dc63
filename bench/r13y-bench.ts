import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { registerR13yPageRoutes } from '../src/api/http/r13y-page-routes.js';
import type { R13yReport } from '../src/api/http/r13y-query.js';
import { registerR13yRoutes } from '../src/api/http/r13y-routes.js';
import { parsePublicKey } from '../src/crypto/ed25519-keys.js';
import { MirrorStore } from '../src/store/mirror-store.js';
import { R13yIndex } from '../src/store/r13y-index.js';
import { rssSplitMiB } from './disk-usage.js';
import type { BenchMirror } from './r13y-mirrors.js';

/*
 * bench:r13y: the reproducibility index of issue 16, built from mirrors already on disk. A child
 * process first writes three mirrors (bench/r13y-mirrors.ts: N entries each of the same store
 * paths, the third logging a different NarHash for 1 path in 100; not timed). Timed: a fresh
 * index fed from the three mirrors' records as the follower feeds it (MirrorStore.records), then
 * an update for the first log's 10,000 further entries, then the report's JSON routes and HTML
 * pages over real HTTP. Prints times, the build's CPU time and the peak RSS of this process
 * (which holds the mirrors open, as the follower does). `--mirrors DIR` keeps the mirrors in DIR
 * and reuses them on the next run with the same --entries.
 */
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    requests: { type: 'string', default: '50' },
    mirrors: { type: 'string' },
  },
});
const N = Number(values.entries);
const REQUESTS = Number(values.requests);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-r13y-'));
const mirrorsDir = values.mirrors ?? path.join(dir, 'mirrors');
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

function readMirrors(): BenchMirror[] | undefined {
  const file = path.join(mirrorsDir, 'mirrors.json');
  if (!fs.existsSync(file)) return undefined;
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: number; logs: BenchMirror[] };
  return stored.entries === N ? stored.logs : undefined;
}

let mirrors = readMirrors();
if (mirrors === undefined) {
  const started = process.hrtime.bigint();
  const writer = path.join(import.meta.dirname, 'r13y-mirrors.js');
  const done = spawnSync(process.execPath, [writer, mirrorsDir, String(N)], { stdio: 'inherit' });
  if (done.status !== 0) throw new Error(`writing the mirrors failed (${done.status})`);
  mirrors = readMirrors()!;
  console.log(`mirrors written in ${seconds(started).toFixed(1)} s (not timed)`);
}
const stores = await Promise.all(
  mirrors.map((m) => MirrorStore.open(m.dir, parsePublicKey(m.publicKey), m.origin)),
);
const LOGS = mirrors.map((m) => m.logId);

// Peak RSS, and its split into anonymous and file-backed (LevelDB mmaps the table files it reads).
let peak = 0;
let peakAnon = 0;
let peakFile = 0;
const sample = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
  const { anonMiB, fileMiB } = rssSplitMiB();
  peakAnon = Math.max(peakAnon, anonMiB);
  peakFile = Math.max(peakFile, fileMiB);
}, 100);
const peaks = () => `peak RSS ${mib(peak)} MiB (anonymous ${peakAnon}, file-backed ${peakFile})`;

const index = await R13yIndex.open(path.join(dir, 'r13y'));
let started = process.hrtime.bigint();
const cpu = process.cpuUsage();
const perLog: string[] = [];
for (const [i, logId] of LOGS.entries()) {
  const at = process.hrtime.bigint();
  await index.feed(logId, stores[i]!.records(0, N), stores[i]!);
  perLog.push(`${seconds(at).toFixed(1)} s`);
}
const firstBuild = seconds(started);
const { user, system } = process.cpuUsage(cpu);
const summary = index.summary(0);
console.log(
  `first build: ${LOGS.length} logs x ${N} entries in ${firstBuild.toFixed(1)} s ` +
    `(${((LOGS.length * N) / firstBuild).toFixed(0)} entries/s; CPU ${(user / 1e6).toFixed(1)} s user + ` +
    `${(system / 1e6).toFixed(1)} s sys); ${summary.shared} shared, ${summary.disputed} disputed; ${peaks()}`,
);
const { heapTotal, external } = process.memoryUsage();
console.log(`  per log ${perLog.join(', ')}; now heap ${mib(heapTotal)} MiB, external ${mib(external)} MiB`);

// The first log's mirror holds 10,000 further paths no other log holds yet.
started = process.hrtime.bigint();
await index.feed(LOGS[0]!, stores[0]!.records(N), stores[0]!);
console.log(`update: ${stores[0]!.size - N} new entries in ${(seconds(started) * 1000).toFixed(0)} ms`);

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
await Promise.all(stores.map((s) => s.close()));
clearInterval(sample);
console.log(peaks());
fs.rmSync(dir, { recursive: true, force: true });
