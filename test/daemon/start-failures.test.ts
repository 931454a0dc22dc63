import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, startDaemonProcess } from '../helpers/daemon.js';
import { NetworkNamespace } from '../helpers/netns.js';
import { tempDir } from '../helpers/tmp.js';

/*
 * A daemon that cannot start says why in one line on stderr, exits 3 (README, "Exit codes"), and
 * leaves nothing behind: every listener is bound once before any state (directory, keys) exists.
 */

/** A TCP port held by this process until the test file ends. */
async function holdPort(): Promise<number> {
  const server = net.createServer();
  held.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}
const held: net.Server[] = [];
afterAll(() => held.forEach((server) => server.close()));

/** Every file and directory under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

const ONE_LINE = (address: string, purpose: string) =>
  new RegExp(
    `^tally: cannot listen on ${address.replaceAll('.', '\\.')} for ${purpose.replace(/[[\]()]/g, '\\$&')}: ` +
      'the address is already in use; stop what holds it, or move the listener in a config file\n$',
  );

describe('a port in use at start', () => {
  // Each case sets every TCP listener (port 0 or the held port), so none falls back to a default
  // port (9002, 9003) that a user's running daemon may hold.
  const api = (grpc: string, http: string) => `[api]\nlisten = "${grpc}"\nhttp_listen = "${http}"\n`;
  const any = '127.0.0.1:0';
  const cases: [string, (port: number, dir: string) => string, string][] = [
    [
      'the public API',
      (p) => `${api(`127.0.0.1:${p}`, any)}[cache]\nlisten = "${any}"\n`,
      'the public gRPC API ([api] listen)',
    ],
    [
      'the HTTP read API',
      (p) => `${api(any, `127.0.0.1:${p}`)}[cache]\nlisten = "${any}"\n`,
      'the HTTP read API ([api] http_listen)',
    ],
    [
      'the cache',
      (p) => `${api(any, any)}[cache]\nlisten = "127.0.0.1:${p}"\n`,
      'the Nix binary cache ([cache] listen)',
    ],
    [
      'the metrics address',
      (p) => `${api(any, any)}[cache]\nlisten = "${any}"\nmetrics_listen = "127.0.0.1:${p}"\n`,
      'metrics ([cache] metrics_listen)',
    ],
    [
      'the admin TCP listener',
      (p, dir) =>
        `${api(any, any)}[cache]\nlisten = ""\n[admin]\nlisten = "127.0.0.1:${p}"\ntoken_file = "${dir}/token"\n`,
      'the admin API ([admin] listen)',
    ],
  ];

  it.each(cases)(
    '%s: one clear line, exit 3, and no state directory or key',
    async (_name, config, purpose) => {
      const dir = tempDir();
      const port = await holdPort();
      fs.writeFileSync(path.join(dir, 'tally.toml'), config(port, dir));
      fs.writeFileSync(path.join(dir, 'token'), 'an admin token of 32 characters\n', { mode: 0o600 });
      const before = filesUnder(dir);
      const run = await runCli(['daemon', '--config', path.join(dir, 'tally.toml')], { cwd: dir });
      expect(run.stderr).toMatch(ONE_LINE(`127.0.0.1:${port}`, purpose));
      expect(run.stdout).toBe('');
      expect(run.code).toBe(3);
      expect(filesUnder(dir)).toEqual(before);
    },
  );
});

describe('the embedded defaults with 9002 taken (in a network namespace of its own)', () => {
  let netns: NetworkNamespace;
  beforeAll(async () => {
    netns = await NetworkNamespace.create();
  });
  afterAll(() => netns.close());

  it('`tally daemon` in an empty directory: one clear line, exit 3, no tally-data/', () => {
    const dir = tempDir();
    // Holds 9002 inside the namespace for as long as the daemon tries, then lets go.
    const script = `const s = require('net').createServer().listen(9002, '127.0.0.1', () => {
      const d = require('child_process').spawnSync(process.execPath, [process.argv[1], 'daemon'], { encoding: 'utf8' });
      process.stdout.write(JSON.stringify(d)); s.close(); })`;
    const run = netns.run([process.execPath, '-e', script, cliPath], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const daemon = JSON.parse(run.stdout) as { status: number; stdout: string; stderr: string };
    expect(daemon.stderr).toMatch(ONE_LINE('127.0.0.1:9002', 'the public gRPC API ([api] listen)'));
    expect(daemon.stdout).toBe('');
    expect(daemon.status).toBe(3);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a second daemon on the same state directory is told that, not that its ports are taken', async () => {
    const cwd = tempDir();
    const first = await startDaemonProcess({ stateDir: './tally-data', cwd, netns });
    const second = netns.run([process.execPath, cliPath, 'daemon'], { cwd });
    expect(second.stderr).toMatch(
      /^tally: state directory .*tally-data is in use by another tally daemon; stop it first or use --state\n$/,
    );
    expect(second.code).toBe(3);
    expect(await first.stop()).toBe(0);
  });
});
