import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, startDaemonProcess } from '../helpers/daemon.js';
import { NetworkNamespace } from '../helpers/netns.js';
import { tempDir } from '../helpers/tmp.js';

describe('embedded defaults', () => {
  // 9001 and 9002 inside a namespace of this file's own: free even while a quickstart daemon runs.
  let netns: NetworkNamespace;
  beforeAll(async () => {
    netns = await NetworkNamespace.create();
  });
  afterAll(() => netns.close());

  it('starts with no config, generates a 0600 key once, and reuses key and log on the next start', async () => {
    const cwd = tempDir();
    // Exactly what a user runs: no config, no --state (the helper passes --state ./tally-data, the default).
    const first = await startDaemonProcess({ stateDir: './tally-data', cwd, netns });
    expect(first.api).toBe('127.0.0.1:9002');
    // The binary cache answers on 9001; with no followed logs nothing is decided, and it says why.
    expect(first.cache).toBe('127.0.0.1:9001');
    const info = netns.fetch('http://127.0.0.1:9001/nix-cache-info');
    expect(info.body).toMatch(/^StoreDir: \/nix\/store$/m);
    const narinfo = netns.fetch('http://127.0.0.1:9001/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr.narinfo');
    expect(narinfo.status).toBe(404);
    expect(narinfo.headers['x-tally-reason']).toBeTruthy();
    expect(fs.statSync(path.join(cwd, 'tally-data/keys/cache.secret')).mode & 0o777).toBe(0o600);
    const keyFile = path.join(cwd, 'tally-data/keys/tally.secret');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(cwd, 'tally-data/admin.sock')).mode & 0o777).toBe(0o600);
    const keyText = fs.readFileSync(keyFile, 'utf8');
    // The public API on its default address (the CLI's default --api), from inside the namespace.
    const listLogs = () => {
      const run = netns.run([process.execPath, cliPath, 'logs', '--json'], { cwd });
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { logs: { logId: string; publicKey: string }[] }).logs;
    };
    const [log1] = listLogs();
    expect(log1!.publicKey).toBe(
      fs.readFileSync(path.join(cwd, 'tally-data/keys/tally.public'), 'utf8').trim(),
    );
    expect(await first.stop()).toBe(0);

    const second = await startDaemonProcess({ stateDir: './tally-data', cwd, netns });
    const [log2] = listLogs();
    expect(log2!.logId).toBe(log1!.logId);
    expect(log2!.publicKey).toBe(log1!.publicKey);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyText);
    expect(second.output()).not.toMatch(/generated a new key/);
    expect(await second.stop()).toBe(0);
  });
});
