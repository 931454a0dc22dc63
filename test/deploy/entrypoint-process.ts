import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cliPath, watchDaemon, type ReadyLine } from '../helpers/daemon.js';
import { repoRoot } from '../helpers/tmp.js';

/** Runs docker/entrypoint.sh as a plain process, the way the image runs it. */

export const dockerDir = path.join(repoRoot, 'docker');
const entrypoint = path.join(dockerDir, 'entrypoint.sh');

/**
 * A directory with a `tally` on it like the image's /usr/local/bin/tally (node + the built CLI),
 * to put first on PATH.
 */
export function tallyBinDir(root: string): string {
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'tally'), `#!/bin/sh\nexec '${process.execPath}' '${cliPath}' "$@"\n`, {
    mode: 0o755,
  });
  return bin;
}

/**
 * Copies docker/config/NAME with each [from, to] replaced (addresses to free local ports, /etc/tally/
 * to docker/config/). Every `from` must occur, so a config that changes cannot slip past the test.
 */
export function rewriteConfig(name: string, replacements: [string, string][], outDir: string): string {
  let text = fs.readFileSync(path.join(dockerDir, 'config', name), 'utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`docker/config/${name} no longer contains ${from}`);
    text = text.replaceAll(from, to);
  }
  const file = path.join(outDir, name);
  fs.writeFileSync(file, text);
  return file;
}

function entrypointEnv(binDir: string, env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, ...env };
}

/** Runs the entrypoint to completion (a one-shot command such as `demo` or `decide`). */
export function runEntrypoint(args: string[], binDir: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(entrypoint, args, {
      env: entrypointEnv(binDir, env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface EntrypointDaemon {
  proc: ChildProcess;
  /** The daemon's "tally daemon ready" log line. */
  ready: ReadyLine;
  output: () => string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the entrypoint with no arguments (the image's CMD: the daemon) and waits until it is ready. */
export async function startEntrypointDaemon(
  binDir: string,
  env: Record<string, string>,
): Promise<EntrypointDaemon> {
  const proc = spawn(entrypoint, [], { env: entrypointEnv(binDir, env), stdio: ['ignore', 'pipe', 'pipe'] });
  const { ready, exited, output } = watchDaemon(proc);
  return {
    proc,
    ready: await ready,
    output,
    stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}
