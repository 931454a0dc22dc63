import { spawn } from 'node:child_process';
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

/*
 * bench:mirror: a real publishing daemon holds N entries; this process mirrors it over the
 * daemon's tlog-tiles HTTP listener (verified and stored, as a follower with mirror = true does),
 * then audits the copy (map replay, roots checked). Prints entries/s and peak RSS of each phase.
 */
const { values } = parseArgs({ options: { entries: { type: 'string', default: '1000000' } } });
const N = Number(values.entries);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-mirror-'));
const cli = path.resolve(import.meta.dirname, '../src/cli/main.js');
const stateDir = path.join(dir, 'origin');
fs.mkdirSync(stateDir);
fs.writeFileSync(
  `${stateDir}.toml`,
  `log_level = "info"\n[api]\nlisten = "127.0.0.1:0"\nhttp_listen = "127.0.0.1:0"\n[cache]\nlisten = ""\n[publish]\nname = "origin"\n`,
);
const proc = spawn(process.execPath, [cli, 'daemon', '--config', `${stateDir}.toml`, '--state', stateDir], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
const ready = await new Promise<{ http: string; adminSocket: string }>((resolve) => {
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const line = out.split('\n').find((l) => l.includes('tally daemon ready'));
    if (line) resolve(JSON.parse(line).addresses);
  });
});
const admin = connectAdmin({ socketPath: ready.adminSocket });
for (let start = 0; start < N; start += 10_000) {
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
const key = readPublicKeyFile(path.join(stateDir, 'keys', 'origin.public'));
const id = logIdOf(key);
const http = new HttpLogSource(`http://${ready.http}/logs/${id}/`);
const store = await MirrorStore.open(path.join(dir, 'mirror'), key, defaultOrigin(id));
let peak = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
const note = Buffer.from(await http.get({ kind: 'checkpoint' })).toString('utf8');
const checkpoint = verifyCheckpoint(note, key, defaultOrigin(id));
let t = performance.now();
await new LogMirror(store, http).catchUp({ checkpoint, note });
const catchUpS = (performance.now() - t) / 1000;
const catchUpPeak = peak;
peak = 0;
t = performance.now();
const outcome = await auditMirror(store);
const auditS = (performance.now() - t) / 1000;
clearInterval(sample);
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(
  `mirror catch-up of ${N} entries: ${(N / catchUpS).toFixed(0)} entries/s (${catchUpS.toFixed(1)} s), peak RSS ${mib(catchUpPeak)} MiB`,
);
console.log(
  `audit of ${N} entries: ${(N / auditS).toFixed(0)} entries/s (${auditS.toFixed(1)} s), peak RSS ${mib(peak)} MiB, ok ${outcome.failure === null}`,
);
http.close();
await store.close();
proc.kill('SIGTERM');
fs.rmSync(dir, { recursive: true, force: true });
