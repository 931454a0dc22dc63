/**
 * npm run bench:witness [-- --requests N --depth D --logs L --connections C]: add-checkpoint
 * calls/s and latency against one real witness daemon (a child process), in three runs:
 *   one-log-sequential  one log growing by one leaf per call, one call in flight (latency-bound:
 *                       each answer waits for its fsync);
 *   one-log-pipelined   the same growing log, D calls pipelined on one keep-alive connection (a log
 *                       that sends its next checkpoint before the last answer is back);
 *   many-logs           L logs, C connections, each log growing one call at a time.
 * and, with --rate R (default 1000; 0 skips them), two open-loop runs that offer R calls/s
 * whatever the answers, latency counted from each call's scheduled send time (no coordinated
 * omission): one-log-paced (one growing log, pipelined on one connection) and many-logs-paced (L
 * logs in turn, on up to C connections, so each log sends its next call L/R seconds later).
 * Request bodies (signed checkpoints and RFC 6962 proofs) are made before the clock starts. Every
 * answer's status is counted; anything but 200 is reported. daemonP99Ms is the bucket bound of the
 * daemon's own p99 (its tally_witness_request_duration_seconds histogram), without the client's
 * queueing. Prints JSON lines.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateSecretKey, formatPublicKey, publicKeyOf } from '../src/crypto/ed25519-keys.js';
import { signNote } from '../src/crypto/signed-note.js';
import { addCheckpointBody, checkpointText, ReferenceTree } from '../test/fixtures/rfc6962-tree.js';
import { cpuSecondsOf } from './cpu-time.js';
import { spawnDaemon } from './spawn-daemon.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const REQUESTS = option('requests', 5000);
const DEPTH = option('depth', 32);
const LOGS = option('logs', 1000);
const CONNECTIONS = option('connections', 64);
const RATE = option('rate', 1000);
const PATH = '/witness/add-checkpoint';

const logKey = generateSecretKey('bench-log');
const tree = new ReferenceTree().growTo(REQUESTS + 1);
const origins = Array.from({ length: LOGS }, (_, i) => `bench.example/log-${i}`);
const oneLog = 'bench.example/one';
const pacedLog = 'bench.example/paced';

/** The body of the call that grows `origin` from `size - 1` to `size`. */
function growBody(origin: string, size: number): string {
  return addCheckpointBody(
    size - 1,
    tree.consistencyProof(size - 1, size),
    signNote(checkpointText(origin, tree, size), logKey),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

interface RunResult {
  latenciesMs: number[];
  statuses: Map<number, number>;
  seconds: number;
}

function report(what: string, run: RunResult, daemonCpu: number, extra: Record<string, unknown>): void {
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      what,
      ...extra,
      calls: sorted.length,
      callsPerSecond: Math.round(sorted.length / run.seconds),
      p50Ms: +percentile(sorted, 50).toFixed(2),
      p99Ms: +percentile(sorted, 99).toFixed(2),
      maxMs: +sorted.at(-1)!.toFixed(2),
      statuses: Object.fromEntries(run.statuses),
      daemonCpuSecondsPerKiloCall: +((daemonCpu / sorted.length) * 1000).toFixed(3),
    }),
  );
}

function count(statuses: Map<number, number>, status: number): void {
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

/**
 * One keep-alive connection, `depth` requests in flight in order (HTTP/1.1 pipelining); with
 * `rate`, request i is sent at i / rate seconds instead, however many are in flight.
 */
async function pipelined(
  host: string,
  port: number,
  bodies: string[],
  depth: number,
  rate?: number,
): Promise<RunResult> {
  const socket = net.connect(port, host);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.setNoDelay(true);
  const sentAt: number[] = [];
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  let buffered = Buffer.alloc(0);
  const start = performance.now();
  const due = (i: number) => (rate === undefined ? performance.now() : start + (i * 1000) / rate);
  const send = () => {
    while (
      next < bodies.length &&
      (rate === undefined ? next - latenciesMs.length < depth : due(next) <= performance.now())
    ) {
      const body = Buffer.from(bodies[next]!);
      sentAt.push(due(next));
      socket.write(
        `POST ${PATH} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body);
      next++;
    }
  };
  const timer = rate === undefined ? undefined : setInterval(send, 1);
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const headerEnd = buffered.indexOf('\r\n\r\n');
        if (headerEnd < 0) break;
        const head = buffered.subarray(0, headerEnd).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < headerEnd + 4 + length) break;
        buffered = buffered.subarray(headerEnd + 4 + length);
        count(statuses, Number(head.slice(9, 12)));
        latenciesMs.push(performance.now() - sentAt[latenciesMs.length]!);
      }
      if (latenciesMs.length === bodies.length) resolve();
      else send();
    });
    send();
  });
  clearInterval(timer);
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  return { latenciesMs, statuses, seconds };
}

/** `connections` workers; worker w grows logs w, w + connections, ... one call at a time. */
async function manyLogs(url: string, bodiesByLog: string[][], connections: number): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'text/plain' } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latenciesMs.push(performance.now() - t0);
            count(statuses, res.statusCode ?? 0);
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, w) => {
      const mine = bodiesByLog.filter((_, i) => i % connections === w);
      const rounds = Math.max(...mine.map((b) => b.length));
      for (let round = 0; round < rounds; round++) {
        for (const bodies of mine) if (round < bodies.length) await post(bodies[round]!);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { latenciesMs, statuses, seconds };
}

/** Call k (log k % L, its round k / L) is sent at k / rate seconds, on up to `connections` sockets. */
async function pacedManyLogs(
  url: string,
  bodiesByLog: string[][],
  rate: number,
  connections: number,
): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const calls = bodiesByLog[0]!.flatMap((_, round) => bodiesByLog.map((bodies) => bodies[round]!));
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  const start = performance.now();
  const answered: Promise<void>[] = [];
  let next = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      while (next < calls.length && start + (next * 1000) / rate <= performance.now()) {
        const due = start + (next * 1000) / rate;
        const body = calls[next++]!;
        answered.push(
          new Promise<void>((done, fail) => {
            const req = http.request(
              url,
              { method: 'POST', agent, headers: { 'content-type': 'text/plain' } },
              (res) => {
                res.resume();
                res.on('end', () => {
                  latenciesMs.push(performance.now() - due);
                  count(statuses, res.statusCode ?? 0);
                  done();
                });
              },
            );
            req.on('error', fail);
            req.end(body);
          }),
        );
      }
      if (next === calls.length) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(answered);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { latenciesMs, statuses, seconds };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-witness-'));
const logConfig = [oneLog, pacedLog, ...origins]
  .map(
    (origin) =>
      `[[witness.log]]\norigin = "${origin}"\npublic_key = "${formatPublicKey(publicKeyOf(logKey))}"\n`,
  )
  .join('');
const daemon = await spawnDaemon(
  path.join(dir, 'state'),
  `[publish]\nenabled = false\n[witness]\nenabled = true\nname = "bench.witness"\n${logConfig}`,
  { metrics: true },
);

/** The daemon's own add-checkpoint time histogram: cumulative counts by upper bound (seconds). */
async function daemonBuckets(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${daemon.metrics!}/metrics`)).text();
  const buckets = new Map<string, number>();
  for (const m of text.matchAll(/^tally_witness_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)) {
    buckets.set(m[1]!, Number(m[2]));
  }
  return buckets;
}

/**
 * The bucket bound that holds the daemon's own p99 over a run (from the histograms before and
 * after it): what the witness took, without the client's queueing and scheduling.
 */
function daemonP99Ms(before: Map<string, number>, after: Map<string, number>): number | string {
  const deltas = [...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const);
  const total = deltas.at(-1)![1];
  const bound = deltas.find(([, n]) => n >= total * 0.99)![0];
  return bound === '+Inf' ? '>1000' : Number(bound) * 1000;
}
const [host, portText] = [
  daemon.http.slice(0, daemon.http.lastIndexOf(':')),
  daemon.http.slice(daemon.http.lastIndexOf(':') + 1),
];
const port = Number(portText);
console.log(
  JSON.stringify({
    what: 'setup',
    cpus: os.cpus().length,
    node: process.version,
    load: os.loadavg().map((l) => +l.toFixed(2)),
    requests: REQUESTS,
    depth: DEPTH,
    logs: LOGS,
    connections: CONNECTIONS,
  }),
);

const daemonPid = daemon.proc.pid!;
const sequentialCount = Math.min(Math.floor(REQUESTS / 2), 1000);
const oneLogBodies = Array.from({ length: REQUESTS }, (_, i) => growBody(oneLog, i + 1));
let buckets = await daemonBuckets();
let cpu = cpuSecondsOf([daemonPid]);
const sequential = await pipelined(host, port, oneLogBodies.slice(0, sequentialCount), 1);
report('one-log-sequential', sequential, cpuSecondsOf([daemonPid]) - cpu, {
  daemonP99Ms: daemonP99Ms(buckets, await daemonBuckets()),
  depth: 1,
});

buckets = await daemonBuckets();

cpu = cpuSecondsOf([daemonPid]);
const piped = await pipelined(host, port, oneLogBodies.slice(sequentialCount), DEPTH);
report('one-log-pipelined', piped, cpuSecondsOf([daemonPid]) - cpu, {
  daemonP99Ms: daemonP99Ms(buckets, await daemonBuckets()),
  depth: DEPTH,
});

const perLog = Math.max(1, Math.ceil(REQUESTS / LOGS));
const bodiesByLog = origins.map((origin) =>
  Array.from({ length: perLog }, (_, i) => growBody(origin, i + 1)),
);
buckets = await daemonBuckets();
cpu = cpuSecondsOf([daemonPid]);
const many = await manyLogs(`http://${daemon.http}${PATH}`, bodiesByLog, CONNECTIONS);
report('many-logs', many, cpuSecondsOf([daemonPid]) - cpu, {
  daemonP99Ms: daemonP99Ms(buckets, await daemonBuckets()),
  logs: LOGS,
  connections: CONNECTIONS,
  callsPerLog: perLog,
});

if (RATE > 0) {
  const pacedBodies = Array.from({ length: REQUESTS }, (_, i) => growBody(pacedLog, i + 1));
  buckets = await daemonBuckets();
  cpu = cpuSecondsOf([daemonPid]);
  const pacedOne = await pipelined(host, port, pacedBodies, 0, RATE);
  report('one-log-paced', pacedOne, cpuSecondsOf([daemonPid]) - cpu, {
    daemonP99Ms: daemonP99Ms(buckets, await daemonBuckets()),
    offeredPerSecond: RATE,
  });

  // The same logs again, from the sizes the many-logs run left them at.
  const pacedByLog = origins.map((origin) =>
    Array.from({ length: perLog }, (_, i) => growBody(origin, perLog + i + 1)),
  );
  buckets = await daemonBuckets();
  cpu = cpuSecondsOf([daemonPid]);
  const pacedMany = await pacedManyLogs(`http://${daemon.http}${PATH}`, pacedByLog, RATE, 4 * CONNECTIONS);
  report('many-logs-paced', pacedMany, cpuSecondsOf([daemonPid]) - cpu, {
    daemonP99Ms: daemonP99Ms(buckets, await daemonBuckets()),
    offeredPerSecond: RATE,
    logs: LOGS,
    connections: 4 * CONNECTIONS,
    callsPerLog: perLog,
  });
}

await daemon.stop();
fs.rmSync(dir, { recursive: true, force: true });
