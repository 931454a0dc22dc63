import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDaemonOnDefaultPorts } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

describe('embedded defaults', () => {
  it('starts with no config, generates a 0600 key once, and reuses key and log on the next start', async () => {
    const cwd = tempDir();
    // Exactly what a user runs: no config, no --state (the helper passes --state ./tally-data, the default).
    const first = await startDaemonOnDefaultPorts({ stateDir: './tally-data', cwd });
    expect(first.api).toBe('127.0.0.1:9002');
    // The binary cache answers on 9001; with no followed logs nothing is decided, and it says why.
    expect(first.cache).toBe('127.0.0.1:9001');
    const info = await fetch('http://127.0.0.1:9001/nix-cache-info');
    expect(await info.text()).toMatch(/^StoreDir: \/nix\/store$/m);
    const narinfo = await fetch('http://127.0.0.1:9001/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr.narinfo');
    expect(narinfo.status).toBe(404);
    expect(narinfo.headers.get('x-tally-reason')).toBeTruthy();
    expect(fs.statSync(path.join(cwd, 'tally-data/keys/cache.secret')).mode & 0o777).toBe(0o600);
    const keyFile = path.join(cwd, 'tally-data/keys/tally.secret');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(cwd, 'tally-data/admin.sock')).mode & 0o777).toBe(0o600);
    const keyText = fs.readFileSync(keyFile, 'utf8');
    const [log1] = (await first.publicClient().listLogs({})).logs;
    expect(await first.stop()).toBe(0);

    const second = await startDaemonOnDefaultPorts({ stateDir: './tally-data', cwd });
    const [log2] = (await second.publicClient().listLogs({})).logs;
    expect(log2!.logId).toBe(log1!.logId);
    expect(log2!.publicKey).toBe(log1!.publicKey);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(keyText);
    expect(second.output()).not.toMatch(/generated a new key/);
    expect(await second.stop()).toBe(0);
  });
});
