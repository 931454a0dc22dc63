import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { connectAdmin, connectPublic, type AdminClient, type PublicClient } from '../../src/api/client.js';
import type { NetworkNamespace } from './netns.js';
import { distDir } from './tmp.js';

export const cliPath = path.join(distDir, 'src/cli/main.js');

export interface DaemonProcess {
  proc: ChildProcess;
  stateDir: string;
  api: string;
  adminSocket: string;
  adminTcp?: string;
  cache?: string;
  /** The separate metrics listener (cache.metrics_listen), when on. */
  metrics?: string;
  /** The public HTTP read API (api.http_listen), when on. */
  http?: string;
  output: () => string;
  publicClient(): PublicClient;
  adminClient(): AdminClient;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/** Config for tests: ephemeral ports so test files can run side by side. */
export function testConfig(extra = ''): string {
  return `log_level = "info"\n[api]\nlisten = "127.0.0.1:0"\nhttp_listen = "127.0.0.1:0"\n[cache]\nlisten = ""\n${extra}`;
}

/** The daemon's "tally daemon ready" log line: the addresses it bound, ports the OS picked included. */
export interface ReadyLine {
  pid: number;
  stateDir: string;
  addresses: {
    api: string;
    adminSocket: string;
    adminTcp?: string;
    cache?: string;
    metrics?: string;
    http?: string;
  };
}

/** Generous: on a loaded 2-core machine a start can take many seconds; a healthy one resolves sooner. */
const READY_TIMEOUT_MS = 60_000;

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

/**
 * Collects the output of a spawned daemon (stdout and stderr piped) and waits for its ready line.
 * `ready` rejects with the output when the daemon exits first or is not ready in time. Still
 * running when the test file ends, it is killed.
 */
export function watchDaemon(proc: ChildProcess): {
  ready: Promise<ReadyLine>;
  exited: Promise<number | null>;
  output: () => string;
} {
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  const ready = new Promise<ReadyLine>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`daemon was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${out}`)),
      READY_TIMEOUT_MS,
    );
    const check = () => {
      const at = out.indexOf('tally daemon ready');
      if (at < 0) return;
      const end = out.indexOf('\n', at);
      if (end < 0) return; // the rest of the line is still to come
      proc.stdout!.off('data', check);
      clearTimeout(timer);
      resolve(JSON.parse(out.slice(out.lastIndexOf('\n', at) + 1, end)) as ReadyLine);
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before it was ready:\n${out}`));
    });
  });
  return { ready, exited, output: () => out };
}

/**
 * Starts `tally daemon` as a child process and waits for its "ready" log line. A daemon on the
 * fixed default ports runs in a network namespace of its own (`netns`), so no test depends on
 * them being free; its TCP listeners are then reachable only from inside (NetworkNamespace).
 */
export async function startDaemonProcess(options: {
  stateDir: string;
  config?: string;
  args?: string[];
  cwd?: string;
  netns?: NetworkNamespace;
  /** The daemon's environment; the test process's by default. */
  env?: NodeJS.ProcessEnv;
}): Promise<DaemonProcess> {
  const args = [cliPath, 'daemon', '--state', options.stateDir, ...(options.args ?? [])];
  if (options.config !== undefined) {
    fs.mkdirSync(options.stateDir, { recursive: true });
    const configFile = path.join(path.dirname(options.stateDir), `${path.basename(options.stateDir)}.toml`);
    fs.writeFileSync(configFile, options.config);
    args.push('--config', configFile);
  }
  const [command, commandArgs] = options.netns?.command([process.execPath, ...args]) ?? [
    process.execPath,
    args,
  ];
  const proc = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: options.env,
  });
  const { ready, exited, output } = watchDaemon(proc);
  const { addresses } = await ready;
  const clients: { close(): void }[] = [];
  return {
    proc,
    stateDir: options.stateDir,
    api: addresses.api,
    adminSocket: addresses.adminSocket,
    adminTcp: addresses.adminTcp,
    cache: addresses.cache,
    metrics: addresses.metrics,
    http: addresses.http,
    output,
    publicClient() {
      const c = connectPublic(addresses.api);
      clients.push(c);
      return c;
    },
    adminClient() {
      const c = connectAdmin({ socketPath: addresses.adminSocket });
      clients.push(c);
      return c;
    },
    async stop() {
      clients.forEach((c) => c.close());
      proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      clients.forEach((c) => c.close());
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs the CLI to completion. */
export function runCli(
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.stdin.end(options.input ?? '');
    // 'close', not 'exit': close fires only after stdout and stderr are fully read.
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
