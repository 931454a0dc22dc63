import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HttpLogSource } from '../src/api/http-log-source.js';
import { connectAdmin } from '../src/api/client.js';
import { verifyCheckpoint } from '../src/checkpoint/checkpoint.js';
import { defaultOrigin, logIdOf } from '../src/checkpoint/log-id.js';
import { readPublicKeyFile } from '../src/crypto/ed25519-keys.js';
import { sha256 } from '../src/crypto/sha256.js';
import { auditMirror } from '../src/follower/audit.js';
import { LogMirror } from '../src/follower/log-mirror.js';
import { MirrorStore } from '../src/store/mirror-store.js';
import { cpuSecondsOf, ownCpuSeconds } from './cpu-time.js';
import { spawnDaemon } from './spawn-daemon.js';

/*
 * bench:mirror: a real publishing daemon holds N entries; this process mirrors it over the
 * daemon's tlog-tiles HTTP listener (verified and stored, as a follower with mirror = true does),
 * then audits the copy (map replay, roots checked). Prints entries/s, CPU and peak RSS of each
 * phase.
 *
 * --origin DIR keeps the origin's state directory there and reuses it on the next run (it is
 * filled up to N entries; filling 1M takes minutes and is not what is measured).
 *
 * Usage: node dist/bench/mirror-bench.js [--entries N] [--origin DIR]
 */
const { values } = parseArgs({
  options: { entries: { type: 'string', default: '1000000' }, origin: { type: 'string' } },
});
const N = Number(values.entries);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-mirror-'));
const stateDir = values.origin ?? path.join(dir, 'origin');
const origin = await spawnDaemon(stateDir, `[publish]\nname = "origin"\n`);
const key = readPublicKeyFile(path.join(stateDir, 'keys', 'origin.public'));
const id = logIdOf(key);
const http = new HttpLogSource(`http://${origin.http}/logs/${id}/`);
const signedHead = async () => {
  const note = Buffer.from(await http.get({ kind: 'checkpoint' })).toString('utf8');
  return { note, checkpoint: verifyCheckpoint(note, key, defaultOrigin(id)) };
};
const admin = connectAdmin({ socketPath: origin.adminSocket });
for (let start = (await signedHead()).checkpoint.size; start < N; start += 10_000) {
  const entries = [];
  for (let i = start; i < Math.min(N, start + 10_000); i++) {
    entries.push({
      key: sha256(Buffer.from(`k${i}`)).subarray(0, 20),
      value: Buffer.from(`output of ${i}: ${'x'.repeat(150)}`),
    });
  }
  await admin.submit({ logId: '', entries });
}
admin.close();
const head = await signedHead();
if (head.checkpoint.size !== N) throw new Error(`the origin holds ${head.checkpoint.size} entries, not ${N}`);
const store = await MirrorStore.open(path.join(dir, 'mirror'), key, defaultOrigin(id));
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
const cpu = () => ({ own: ownCpuSeconds(), origin: cpuSecondsOf([origin.proc.pid!]) });
const catchUpStart = cpu();
let t = performance.now();
await new LogMirror(store, http).catchUp(head);
const catchUpS = (performance.now() - t) / 1000;
const catchUpCpu = cpu();
const catchUpPeak = peak;
peak = 0;
t = performance.now();
const outcome = await auditMirror(store);
const auditS = (performance.now() - t) / 1000;
const auditCpu = cpu().own - catchUpCpu.own;
clearInterval(sample);
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(
  `mirror catch-up of ${N} entries: ${(N / catchUpS).toFixed(0)} entries/s (${catchUpS.toFixed(1)} s), ` +
    `CPU ${(catchUpCpu.own - catchUpStart.own).toFixed(1)} s here + ${(catchUpCpu.origin - catchUpStart.origin).toFixed(1)} s origin, peak RSS ${mib(catchUpPeak)} MiB`,
);
console.log(
  `audit of ${N} entries: ${(N / auditS).toFixed(0)} entries/s (${auditS.toFixed(1)} s), CPU ${auditCpu.toFixed(1)} s, ` +
    `peak RSS ${mib(peak)} MiB, ok ${outcome.failure === null}`,
);
http.close();
await store.close();
await origin.stop();
fs.rmSync(dir, { recursive: true, force: true });
