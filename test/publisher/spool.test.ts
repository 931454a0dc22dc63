import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { decodeSpoolFile, encodeSpoolFile } from '../../src/api/spool-file.js';
import { writeSpoolFile } from '../../src/builder/spool-writer.js';
import { startDaemonProcess, testConfig } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';

const key = (n: string) => sha256(Buffer.from(`spool ${n}`)).subarray(0, 20);

describe('spool files', () => {
  it('round-trip and are written without leftover temp files', () => {
    const dir = path.join(tempDir(), 'spool');
    const submission = { logId: '', entries: [{ key: key('a'), value: Buffer.from('value a') }] };
    const file = writeSpoolFile(dir, submission);
    expect(fs.readdirSync(dir)).toEqual([path.basename(file)]);
    const decoded = decodeSpoolFile(fs.readFileSync(file, 'utf8'));
    expect(decoded.entries[0]!.key.equals(key('a'))).toBe(true);
    expect(decoded.entries[0]!.value.toString()).toBe('value a');
  });

  it("are given to the state directory's owner when written by root (a multi-user Nix hook)", () => {
    const stateDir = path.join(tempDir(), 'state');
    fs.mkdirSync(stateDir);
    const isRoot = process.getuid!() === 0;
    // nobody:nogroup owns the state directory, as a dedicated daemon user would.
    if (isRoot) fs.chownSync(stateDir, 65534, 65534);
    const file = writeSpoolFile(path.join(stateDir, 'spool'), {
      logId: '',
      entries: [{ key: key('owned'), value: Buffer.from('v') }],
    });
    const expectedUid = isRoot ? 65534 : process.getuid!();
    expect(fs.statSync(file).uid).toBe(expectedUid);
    expect(fs.statSync(path.dirname(file)).uid).toBe(expectedUid);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['not JSON', '{"version":1,'],
    ['a wrong version', '{"version":2,"logId":"","entries":[{"key":"00","value":"AA=="}]}'],
    ['no entries', '{"version":1,"logId":"","entries":[]}'],
    ['a key that is not hex', '{"version":1,"logId":"","entries":[{"key":"zz","value":"AA=="}]}'],
  ])('are refused when they hold %s', (_, text) => {
    expect(() => decodeSpoolFile(text)).toThrow(/spool file|entries\[0\]/);
  });

  it('the daemon ingests good files at start, moves unreadable and corrupt files and a conflict to rejected/, and goes on', async () => {
    const stateDir = path.join(tempDir(), 'state');
    const spoolDir = path.join(stateDir, 'spool');
    fs.mkdirSync(spoolDir, { recursive: true });
    const write = (name: string, entries: Array<{ key: Buffer; value: Buffer }>) =>
      fs.writeFileSync(path.join(spoolDir, name), encodeSpoolFile({ logId: '', entries }));
    // Ingested in name order: the unreadable and corrupt files come first and must not block the
    // others. (Tests run as root, who reads any mode: a directory stands in for an unreadable file.)
    fs.mkdirSync(path.join(spoolDir, '0-unreadable.json'));
    fs.writeFileSync(path.join(spoolDir, '1-corrupt.json'), '{"version":1,"logId":"","entr');
    write('2-good.json', [{ key: key('k'), value: Buffer.from('first') }]);
    write('3-conflict.json', [{ key: key('k'), value: Buffer.from('second') }]);
    write('4-good.json', [{ key: key('other'), value: Buffer.from('other') }]);
    fs.writeFileSync(path.join(spoolDir, '.5-in-progress.tmp'), 'half a fi');

    const daemon = await startDaemonProcess({ stateDir, config: testConfig() });
    const rejected = path.join(spoolDir, 'rejected');
    await pollUntil(
      'the spool to be ingested',
      () => fs.readdirSync(spoolDir).filter((n) => n.endsWith('.json')).length === 0,
    );
    expect(fs.readdirSync(rejected).sort()).toEqual([
      '0-unreadable.json',
      '1-corrupt.json',
      '3-conflict.json',
    ]);
    expect(fs.existsSync(path.join(spoolDir, '.5-in-progress.tmp'))).toBe(true);
    expect(daemon.output()).toMatch(/spooled submission rejected/);

    const client = daemon.publicClient();
    const first = await client.lookup({ logId: '', key: key('k') });
    expect(first.found).toBe(true);
    expect(first.value.toString()).toBe('first');
    expect((await client.lookup({ logId: '', key: key('other') })).found).toBe(true);
    expect(await daemon.stop()).toBe(0);
  }, 60_000);
});
