import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';

/** How much of a decoder's stderr is kept for the error message. */
const STDERR_BYTES = 4096;

/** The executable `name` on `searchPath` (PATH syntax), or undefined. */
export function findExecutable(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `source` fed through a decompressing child process (`xz -dc`, `zstd -dc`, ...), its stdout as
 * the result. The result ends only once the process has exited 0, so output cut short by a
 * failing decoder is an error (naming the decoder and its stderr), never a clean end. Destroying
 * the result kills the process and destroys `source`; an error of `source` ends up on the result.
 * Pipes carry backpressure both ways, so memory stays flat whatever the size.
 */
export function spawnedDecoder(source: Readable, executable: string, args: readonly string[]): Readable {
  const child = spawn(executable, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  const what = `${path.basename(executable)} ${args.join(' ')}`;
  let stderr = '';
  let done = false;
  const fail = (err: Error) => {
    if (done) return;
    done = true;
    child.kill('SIGKILL');
    source.destroy();
    out.destroy(err);
  };
  child.on('error', (e) => fail(new Error(`${what} could not run: ${e.message}`)));
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_BYTES) stderr += chunk.toString('utf8', 0, STDERR_BYTES - stderr.length);
  });
  // EPIPE when the decoder stops reading (it failed, or was killed): its exit status says why.
  child.stdin.on('error', () => undefined);
  source.on('error', (e) => fail(e));
  source.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code, signal) => {
    if (done) return;
    if (code === 0) {
      done = true;
      out.end();
      return;
    }
    const status = code === null ? `signal ${signal}` : `exit status ${code}`;
    fail(new Error(`${what} failed (${status}): ${stderr.trim() || 'no message'}`));
  });
  out.on('close', () => {
    if (done) return;
    done = true;
    child.kill('SIGKILL');
    source.destroy();
  });
  return out;
}
