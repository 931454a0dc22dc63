import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, test } from 'vitest';
import { connectPublic } from '../../src/api/client.js';
import { logFormatFor } from '../../src/daemon/logger.js';
import { cliPath, startDaemonProcess, testConfig } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';

test('the format follows stdout: pretty on a terminal, JSON otherwise', () => {
  expect(logFormatFor(true)).toBe('pretty');
  expect(logFormatFor(false)).toBe('json');
});

/*
 * Each test makes one API round trip before SIGTERM: the CLI installs its signal handlers just
 * after the ready line, and a request answered proves that has happened.
 */
describe('daemon logs', () => {
  const root = tempDir('tally-logs-');

  it('are one JSON object per line when stdout is a pipe', async () => {
    const daemon = await startDaemonProcess({ stateDir: path.join(root, 'piped'), config: testConfig() });
    await daemon.publicClient().listLogs({});
    expect(await daemon.stop(), daemon.output()).toBe(0);
    const lines = daemon
      .output()
      .split('\n')
      .filter((line) => line !== '');
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; pid: number });
    expect(records.map((r) => r.msg)).toEqual(expect.arrayContaining(['tally daemon ready', 'stopped']));
    for (const record of records) {
      expect(typeof record.level).toBe('number');
      expect(record.pid).toBe(daemon.proc.pid);
    }
  });

  it('are pretty when stdout is a terminal (under script(1), which gives the daemon a pseudo-terminal)', async () => {
    const stateDir = path.join(root, 'tty');
    const configFile = path.join(root, 'tty.toml');
    fs.writeFileSync(configFile, testConfig());
    const command = [process.execPath, cliPath, 'daemon', '--state', stateDir, '--config', configFile]
      .map((arg) => `'${arg}'`)
      .join(' ');
    // NO_COLOR keeps the text free of ANSI colour codes; the layout is what is checked.
    const proc = spawn('script', ['-qec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
    try {
      // "[12:34:56.789] INFO (4321): tally daemon ready", then its fields indented below it.
      const ready = await pollUntil(
        'the pretty ready line',
        () => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \((\d+)\): tally daemon ready\r?$/m.exec(out) ?? undefined,
      );
      const api = await pollUntil('the API address', () => /"api": "([^"]+)"/.exec(out)?.[1]);
      expect(out).toMatch(/\n {4}addresses: \{/);
      expect(out).not.toMatch(/^\{"level"/m);

      const client = connectPublic(api);
      await client.listLogs({});
      client.close();
      process.kill(Number(ready[1]), 'SIGTERM');
      expect(await exited, out).toBe(0);
      expect(out).toMatch(/\] INFO \(\d+\): stopped/);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
