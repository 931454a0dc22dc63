import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';

/**
 * A private network namespace holding only its own loopback, for tests of the embedded defaults:
 * in it 127.0.0.1:9001 and :9002 are free even while a quickstart daemon (or another test file)
 * holds them outside. Needs util-linux (`unshare`, `nsenter`) and iproute2 (`ip`); .ci/run installs
 * them. As root (here and in CI) it is a plain network namespace; otherwise a user namespace
 * maps the caller to root in it (`unshare -rn`).
 *
 * A `sleep` holds the namespace open; commands join it with nsenter. Filesystem paths, Unix
 * sockets (the admin socket) included, are shared with the test; TCP addresses are not.
 */
export class NetworkNamespace {
  private constructor(private readonly holder: ChildProcess) {}

  static async create(): Promise<NetworkNamespace> {
    const unshare = isRoot() ? ['--net'] : ['--user', '--map-root-user', '--net'];
    const holder = spawn(
      'unshare',
      [...unshare, '--', 'sh', '-c', 'ip link set lo up && echo up && exec sleep infinity'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    open.add(holder);
    let out = '';
    holder.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    holder.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', () => out.includes('up\n') && resolve());
      holder.on('error', (err) => reject(new Error(`cannot run unshare (util-linux): ${err.message}`)));
      holder.on('exit', (code) =>
        reject(new Error(`no network namespace (unshare exited ${code}):\n${out}`)),
      );
    });
    return new NetworkNamespace(holder);
  }

  /** The command and arguments that run `argv` inside the namespace. */
  command(argv: string[]): [string, string[]] {
    const join = isRoot() ? ['--net'] : ['--user', '--net', '--preserve-credentials'];
    return ['nsenter', ['--target', String(this.holder.pid), ...join, '--', ...argv]];
  }

  /** Runs `argv` inside the namespace to completion. */
  run(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    const [command, args] = this.command(argv);
    const run = spawnSync(command, args, { ...options, encoding: 'utf8' });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  /** An HTTP request from inside the namespace (node's fetch, in a child process there). */
  fetch(url: string, method = 'GET'): { status: number; headers: Record<string, string>; body: string } {
    const script = `fetch(process.argv[1], { method: process.argv[2] }).then(async (r) =>
      process.stdout.write(JSON.stringify({ status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() })))`;
    const run = this.run([process.execPath, '-e', script, url, method]);
    if (run.code !== 0) throw new Error(`fetch ${url} inside the namespace failed:\n${run.stderr}`);
    return JSON.parse(run.stdout) as ReturnType<NetworkNamespace['fetch']>;
  }

  close(): void {
    open.delete(this.holder);
    this.holder.kill('SIGKILL');
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

const open = new Set<ChildProcess>();
afterAll(() => {
  for (const holder of open) holder.kill('SIGKILL');
});
