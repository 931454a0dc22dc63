import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from './run-cli.js';

// Fixture key (seed = bytes 0..31); see test/checkpoint/checkpoint.test.ts for where each value comes from.
const FIXTURE_PUBLIC = 'tally-fixture-1:A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=';
const FIXTURE_VKEY = 'tally-fixture-1+9b98bfc8+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4';
const OTHER_PUBLIC = 'test-cache-1:nlRAKVkn0eR7Tq6UKFuJJ33DyYn37oC14tLAhNoqvq0=';
const NIX_LOG_ID = '50722f586a5ec4f23aab53772a62c878bf124f17457bc684d5f59f9beb14a9d7'; // Python hashlib
const GUIX_LOG_ID = 'a75ab36c7131d175c8403f77d2b371c7c23a018ee638b510fd5366c77cf0ae86';
// Signed by Go's golang.org/x/mod/sumdb/note with the fixture key.
const CHECKPOINT_NOTE =
  'tally.log/50722f586a5ec4f2\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nmap-root q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n' +
  '\n— tally-fixture-1 m5i/yBJ1lujfKg+icb/f13fgF5o5CIaR8+Bm5n8m2Wdg9hg9MzRcpMY/NA1gt9ceIm66sI5O+q9gHbo4YGCP9ZJ10wU=\n';

let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-cli-'));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function writeFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('tally keygen', () => {
  it('writes NAME.secret (0600) and NAME.public and prints the key and the log ID', () => {
    const out = path.join(dir, 'keys');
    const run = runCli(['keygen', '--name', 'builder-1', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    const secretFile = path.join(out, 'builder-1.secret');
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    const publicText = fs.readFileSync(path.join(out, 'builder-1.public'), 'utf8').trim();
    expect(result.ok).toBe(true);
    expect(result.publicKey).toBe(publicText);
    expect(result.secretKeyFile).toBe(secretFile);
    // Recompute the log ID from the written public key with node:crypto, independently of src/.
    const pub = Buffer.from(publicText.split(':')[1]!, 'base64');
    const expectedId = crypto.createHash('sha256').update('tally-log-id/v1\nnix\n').update(pub).digest('hex');
    expect(result.logId).toBe(expectedId);
    expect(result.defaultOrigin).toBe(`tally.log/${expectedId.slice(0, 16)}`);
    const keyId = crypto.createHash('sha256').update('builder-1\n\x01').update(pub).digest('hex').slice(0, 8);
    expect(result.verifierKey).toBe(
      `builder-1+${keyId}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`,
    );
  });

  it('prints the public key and log ID for people', () => {
    const out = path.join(dir, 'human');
    const run = runCli(['keygen', '--name', 'b2', '--out', out]);
    expect(run.code).toBe(0);
    const publicText = fs.readFileSync(path.join(out, 'b2.public'), 'utf8').trim();
    expect(run.stdout).toContain(`public key:     ${publicText}`);
    expect(run.stdout).toMatch(/log ID: +[0-9a-f]{64} \(protocol nix\)/);
  });

  it('refuses to overwrite an existing key (exit 2) and leaves it untouched', () => {
    const out = path.join(dir, 'twice');
    expect(runCli(['keygen', '--name', 'k', '--out', out]).code).toBe(0);
    const before = fs.readFileSync(path.join(out, 'k.secret'), 'utf8');
    const again = runCli(['keygen', '--name', 'k', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/k\.secret already exists; refusing to overwrite/);
    expect(fs.readFileSync(path.join(out, 'k.secret'), 'utf8')).toBe(before);
  });

  it('rejects bad names and missing options with exit 2', () => {
    expect(runCli(['keygen', '--name', 'a b', '--out', dir]).code).toBe(2);
    expect(runCli(['keygen', '--name', 'a+b', '--out', dir]).stderr).toMatch(/must not contain "\+"/);
    expect(runCli(['keygen', '--out', dir]).code).toBe(2);
  });
});

describe('tally log-id', () => {
  it('prints the log ID of a key given as text, as a file or as a verifier key', () => {
    const file = writeFile('fixture.public', FIXTURE_PUBLIC + '\n');
    for (const key of [FIXTURE_PUBLIC, file, FIXTURE_VKEY]) {
      const run = runCli(['log-id', key]);
      expect(run.code, key).toBe(0);
      expect(run.stdout).toBe(NIX_LOG_ID + '\n');
    }
  });

  it('honours --protocol and --json', () => {
    const run = runCli(['log-id', FIXTURE_PUBLIC, '--protocol', 'guix', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      logId: GUIX_LOG_ID,
      protocol: 'guix',
      keyName: 'tally-fixture-1',
      defaultOrigin: 'tally.log/a75ab36c7131d175',
    });
  });

  it('exits 2 on a key that is neither a file nor a key', () => {
    const run = runCli(['log-id', 'not-a-key']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/neither a key file nor a key/);
    const json = runCli(['log-id', 'not-a-key', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('tally verify checkpoint', () => {
  it('verifies a good checkpoint and prints its fields', () => {
    const file = writeFile('good.checkpoint', CHECKPOINT_NOTE);
    const run = runCli([
      'verify',
      'checkpoint',
      file,
      '--key',
      FIXTURE_PUBLIC,
      '--origin',
      'tally.log/50722f586a5ec4f2',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('checkpoint verified by tally-fixture-1');
    expect(run.stdout).toMatch(/size: +7\n/);
  });

  it('prints JSON and reads standard input for "-"', () => {
    const run = runCli(['verify', 'checkpoint', '-', '--key', FIXTURE_VKEY, '--json'], CHECKPOINT_NOTE);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      origin: 'tally.log/50722f586a5ec4f2',
      size: 7,
      logRoot: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
      mapRoot: 'q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=',
      verifiedBy: 'tally-fixture-1',
    });
  });

  it('exits 1 on a tampered checkpoint', () => {
    const file = writeFile('tampered.checkpoint', CHECKPOINT_NOTE.replace('\n7\n', '\n6\n'));
    const run = runCli(['verify', 'checkpoint', file, '--key', FIXTURE_PUBLIC]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/invalid signature for key tally-fixture-1\+9b98bfc8/);
    expect(run.stdout).toBe('');
  });

  it('exits 1 on a wrong key or a wrong origin', () => {
    const file = writeFile('good2.checkpoint', CHECKPOINT_NOTE);
    const wrongKey = runCli(['verify', 'checkpoint', file, '--key', OTHER_PUBLIC, '--json']);
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.stdout).error).toMatchObject({ code: 'VERIFICATION_FAILED' });
    const wrongOrigin = runCli([
      'verify',
      'checkpoint',
      file,
      '--key',
      FIXTURE_PUBLIC,
      '--origin',
      'tally.log/x',
    ]);
    expect(wrongOrigin.code).toBe(1);
    expect(wrongOrigin.stderr).toMatch(/does not match the expected "tally.log\/x"/);
  });

  it('exits 2 on a malformed note and 3 on a missing file', () => {
    const malformed = writeFile('malformed.checkpoint', CHECKPOINT_NOTE.replace('\n\n', '\n'));
    const bad = runCli(['verify', 'checkpoint', malformed, '--key', FIXTURE_PUBLIC]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no blank line/);
    const missing = runCli(['verify', 'checkpoint', path.join(dir, 'nope'), '--key', FIXTURE_PUBLIC]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/ENOENT/);
  });

  it('exits 2 without --key', () => {
    expect(runCli(['verify', 'checkpoint', 'x']).code).toBe(2);
  });
});

// --help of every command: help.test.ts.
describe('usage errors', () => {
  it('exits 2 on an unknown command', () => {
    const run = runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown command/);
  });
});
