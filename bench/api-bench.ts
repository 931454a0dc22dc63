/**
 * npm run bench:api — a real daemon in one process, the client load (64 concurrent clients) in
 * another: Submit entries/s and Lookup-with-full-proofs/s. Prints JSON lines.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnDaemon } from './spawn-daemon.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-api-'));
const daemon = await spawnDaemon(path.join(dir, 'state'));
console.log(JSON.stringify({ what: 'setup', cpus: os.cpus().length, node: process.version }));
const load = spawn(
  process.execPath,
  [path.join(import.meta.dirname, 'api-load.js'), daemon.api, daemon.adminSocket, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
const code = await new Promise<number | null>((resolve) => load.on('exit', resolve));
await daemon.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exitCode = code ?? 1;
