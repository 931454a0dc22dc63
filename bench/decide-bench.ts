/**
 * npm run bench:decide — decisions/s with 5 followed logs (5 real publishing daemons as child
 * processes; the follower and decider in this process), cold (cache bypassed: a verified remote
 * Lookup per log per decision) and warm (cached); then one million policy evaluations
 * (bench/policy-bench.ts) with RSS every 100k. Prints JSON lines.
 *
 * Each cold run (one per --concurrency value) decides on keys no earlier run used.
 *
 * --over tiles follows each log over its tiles URL instead (`[[follow]] url`, no gRPC: heads from
 * `<url>checkpoint`, lookups at `<url>tally/lookup`), and reports the tile fetches per decision.
 *
 * Usage: node dist/bench/decide-bench.js [--cold N] [--warm N] [--concurrency N,N...] [--policy-evaluations N] [--over grpc|tiles]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { connectAdmin } from '../src/api/client.js';
import { parseHostPort } from '../src/config/address.js';
import type { DecideConfig, FollowConfig } from '../src/config/types.js';
import { readPublicKeyFile } from '../src/crypto/ed25519-keys.js';
import { logIdOf } from '../src/checkpoint/log-id.js';
import { sha256 } from '../src/crypto/sha256.js';
import { Decider, loadPolicyChain } from '../src/decide/index.js';
import { Follower } from '../src/follower/index.js';
import { createProgress } from '../src/cli/progress.js';
import { cpuSecondsOf } from './cpu-time.js';
import { spawnDaemon } from './spawn-daemon.js';

const { values: args } = parseArgs({
  options: {
    cold: { type: 'string', default: '10000' },
    warm: { type: 'string', default: '500000' },
    /** Decisions in flight; a cold run for each value. The warm run uses the first. */
    concurrency: { type: 'string', default: '64,256' },
    'policy-evaluations': { type: 'string', default: '1000000' },
    over: { type: 'string', default: 'grpc' },
  },
});
if (args.over !== 'grpc' && args.over !== 'tiles') throw new Error('--over is grpc or tiles');
const overTiles = args.over === 'tiles';
const [coldCount, warmCount] = [args.cold, args.warm].map(Number) as [number, number];
const concurrencies = args.concurrency.split(',').map(Number);
const WARM_UP = 5000;
// Keys [i * cold, (i + 1) * cold) for cold run i, then the warm-up's.
const keyCount = coldCount * concurrencies.length + WARM_UP;
const LOGS = 5;
const report = (what: string, fields: Record<string, number | string>) =>
  console.log(JSON.stringify({ what, ...fields }));
const keyOf = (i: number) => sha256(Buffer.from(`bench key ${i}`)).subarray(0, 20);
// Made before any timing: the bench's own key derivation is not the follower's work.
const keys = Array.from({ length: keyCount }, (_, i) => keyOf(i));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-decide-'));
report('setup', {
  cpus: os.cpus().length,
  node: process.version,
  logs: LOGS,
  keys: keyCount,
  over: args.over,
});

const publishers = await Promise.all(
  Array.from({ length: LOGS }, (_, i) => spawnDaemon(path.join(dir, `b${i}`), `[publish]\nname = "b${i}"\n`)),
);
for (const [i, p] of publishers.entries()) {
  const admin = connectAdmin({ socketPath: p.adminSocket });
  for (let start = 0; start < keyCount; start += 1000) {
    const entries = [];
    for (let k = start; k < Math.min(keyCount, start + 1000); k++) {
      entries.push({ key: keys[k]!, value: Buffer.from(`output of key ${k}: ${'x'.repeat(150)}`) });
    }
    await admin.submit({ logId: '', entries });
  }
  admin.close();
  void i;
}

const follows: FollowConfig[] = publishers.map((p, i) => {
  const address = parseHostPort(p.api);
  if ('error' in address) throw new Error(address.error);
  const publicKey = readPublicKeyFile(path.join(dir, `b${i}`, 'keys', `b${i}.public`));
  return {
    name: `b${i}`,
    publicKey,
    address: overTiles ? undefined : address,
    url: overTiles ? `http://${p.http}/logs/${logIdOf(publicKey, 'nix')}/` : undefined,
    mirror: false,
    maxCheckpointAgeSeconds: 86_400,
    witnesses: [],
    witnessQuorum: 0,
    maxWitnessedAgeSeconds: 86_400,
    protocol: 'nix',
    weight: 1,
    origin: undefined,
    pollIntervalSeconds: 30,
    requestTimeoutMs: 60_000,
    meta: {},
  };
});
const logger = pino({ level: 'silent' });
const follower = await Follower.open(follows, path.join(dir, 'follower-state'), logger);
follower.start();
// Tile fetches, counted at each log's HTTP source (bench instrumentation, not the follower's code).
let tileFetches = 0;
for (const log of follower.logs) {
  const source = log.tiles?.source;
  if (source === undefined) continue;
  const get = source.get.bind(source);
  source.get = (resource) => {
    if (resource.kind === 'tile') tileFetches++;
    return get(resource);
  };
}
const chain = loadPolicyChain([
  {
    name: 'two-thirds',
    source: { kind: 'builtin', name: 'percentage' },
    params: { threshold: 66 },
    limits: { instructions: 1_000_000, memoryBytes: 32 * 1024 * 1024 },
  },
]);
const decideConfig: DecideConfig = { cacheTtlSeconds: 3600, cacheMaxEntries: 100_000, localLogVotes: false };
const decider = new Decider(follower.logs, chain, decideConfig, logger);

/** Runs `total` decisions with `concurrency` in flight; returns decisions/s. */
async function run(
  label: string,
  total: number,
  bypassCache: boolean,
  firstKey = 0,
  concurrency = concurrencies[0]!,
): Promise<number> {
  let next = 0;
  let completed = 0;
  let undecided = 0;
  let example = '';
  // A bar on stderr when it is a terminal (not in CI), updated every 64 decisions.
  const progress = createProgress(label, total);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const n = next++;
        const d = await decider.decide(keys[(firstKey + n) % keyCount]!, { bypassCache });
        if (!d.decided || d.agreeing.length !== LOGS) {
          undecided++;
          example ||= JSON.stringify({ reason: d.reason, unavailable: d.unavailable, absent: d.absent });
        }
        if (++completed % 64 === 0) progress.update(completed);
      }
    }),
  ).finally(() => progress.finish());
  const rate = total / ((performance.now() - started) / 1000);
  if (undecided > 0)
    throw new Error(`${undecided} of ${total} decisions were not unanimous, e.g. ${example}`);
  return Math.round(rate);
}

const stopAll = async () => {
  await follower.stop();
  await Promise.all(publishers.map((p) => p.stop()));
  fs.rmSync(dir, { recursive: true, force: true });
};
try {
  // Warm up connections, the JIT and the verified top levels of each log's trees (as in a follower
  // that has been running) on keys the cold runs do not use: every cold decision is on a key never
  // decided before, so its answers and the bottom of its proofs are new.
  await run('warm-up', WARM_UP, true, coldCount * concurrencies.length);
  for (const [i, concurrency] of concurrencies.entries()) {
    // CPU per decision as well as the rate: the rate depends on what else the machine runs, the
    // CPU the follower and the five logs spend is steadier.
    const cpuBefore = {
      follower: process.cpuUsage(),
      logs: publishers.map((p) => cpuSecondsOf([p.proc.pid!])),
    };
    const fetchesBefore = tileFetches;
    const coldRate = await run('cold decisions', coldCount, true, i * coldCount, concurrency);
    const followerCpu = process.cpuUsage(cpuBefore.follower);
    const logsCpu = publishers.reduce(
      (sum, p, j) => sum + cpuSecondsOf([p.proc.pid!]) - cpuBefore.logs[j]!,
      0,
    );
    report(
      `decide cold (cache bypassed, 5 verified Lookups each over ${overTiles ? 'HTTP, heads over tiles' : 'gRPC'}, every key new)`,
      {
        decisions: coldCount,
        concurrency,
        perSecond: coldRate,
        followerCpuMicrosPerDecision: Math.round((followerCpu.user + followerCpu.system) / coldCount),
        logsCpuMicrosPerDecision: Math.round((logsCpu * 1e6) / coldCount),
        ...(overTiles
          ? { tileFetchesPerDecisionPerLog: (tileFetches - fetchesBefore) / coldCount / LOGS }
          : {}),
      },
    );
  }
  await run('filling the cache', keyCount, false); // fill the cache
  report('decide warm (cached)', {
    decisions: warmCount,
    concurrency: concurrencies[0]!,
    perSecond: await run('warm decisions', warmCount, false),
  });
  report('rss after deciding', { rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024) });
} finally {
  await stopAll();
}

// One million policy evaluations in one process: bench/policy-bench.ts prints RSS every 100k.
const evaluations = args['policy-evaluations'];
const child = spawn(process.execPath, [path.join(import.meta.dirname, 'policy-bench.js'), evaluations], {
  stdio: 'inherit',
});
process.exitCode = (await new Promise<number | null>((resolve) => child.on('exit', resolve))) ?? 1;
