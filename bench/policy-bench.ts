/**
 * One million evaluations of the built-in percentage policy with 5 votes in one process, printing
 * the rate and RSS every 100k evaluations: the rate should hold and RSS stay flat (no leak).
 * The rate is given per wall-clock second and per CPU second (the second is what one free core
 * would do, and is steadier on a shared machine).
 * Run: npx tsc -p tsconfig.build.json && node dist/bench/policy-bench.js [evaluations]
 */
import { createProgress } from '../src/cli/progress.js';
import { builtinPolicyFile, loadPolicy, type Vote } from '../src/policy/index.js';
import { ownCpuSeconds } from './cpu-time.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const REPORT_EVERY = Math.max(1, Math.floor(TOTAL / 10));

const policy = loadPolicy({
  name: 'percentage',
  file: builtinPolicyFile('percentage'),
  params: { threshold: 60 },
});

const digest = (n: number): string => n.toString(16).padStart(64, '0');
const vote = (i: number, status: Vote['status'], d: string | null): Vote => ({
  logName: `builder-${i}`,
  logId: `log-id-${i}`,
  weight: 1,
  status,
  digest: d,
});

/** A different key every time: three logs agree (60%), one dissents, one is unavailable. */
function votesFor(key: number): Vote[] {
  const majority = digest(key);
  return [
    vote(0, 'agrees', majority),
    vote(1, 'agrees', majority),
    vote(2, 'agrees', digest(key + 1)),
    vote(3, 'agrees', majority),
    vote(4, 'unavailable', null),
  ];
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

let decided = 0;
let wallStart = performance.now();
let cpuStart = ownCpuSeconds();
const started = { wall: wallStart, cpu: cpuStart };
// A bar on stderr when it is a terminal (not in CI); updated every 1,000 so it costs nothing.
const progress = createProgress('evaluations', TOTAL);
for (let i = 1; i <= TOTAL; i++) {
  const outcome = policy.evaluate(votesFor(i));
  if (outcome.kind === 'decided') decided++;
  if (i % 1000 === 0) progress.update(i);
  if (i % REPORT_EVERY === 0) {
    const wall = performance.now();
    const cpu = ownCpuSeconds();
    const perWall = Math.round(REPORT_EVERY / ((wall - wallStart) / 1000));
    const perCpu = Math.round(REPORT_EVERY / (cpu - cpuStart));
    const { rss, heapUsed, external } = process.memoryUsage();
    progress.print(
      `${String(i).padStart(8)} evaluations  ${String(perWall).padStart(6)}/s wall  ${String(perCpu).padStart(6)}/s cpu  ` +
        `rss ${mib(rss)} MiB  heap ${mib(heapUsed)} MiB  external ${mib(external)} MiB`,
    );
    wallStart = wall;
    cpuStart = cpu;
  }
}
progress.finish();
const wallSeconds = (performance.now() - started.wall) / 1000;
const cpuTotal = ownCpuSeconds() - started.cpu;
console.log(
  `${TOTAL} evaluations in ${wallSeconds.toFixed(1)} s wall, ${cpuTotal.toFixed(1)} s cpu: ` +
    `${Math.round(TOTAL / wallSeconds)}/s wall, ${Math.round(TOTAL / cpuTotal)}/s cpu; ${decided} decided`,
);
if (decided !== TOTAL) process.exitCode = 1;
