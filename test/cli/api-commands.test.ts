import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

const KEY = '00112233445566778899aabbccddeeff00112233';

describe('CLI over the API', () => {
  let daemon: DaemonProcess;
  let dir: string;
  let api: string[];
  let admin: string[];

  beforeAll(async () => {
    dir = tempDir();
    daemon = await startDaemonProcess({ stateDir: path.join(dir, 'state'), config: testConfig() });
    api = ['--api', daemon.api];
    admin = ['--admin-socket', daemon.adminSocket];
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  it('submit, then first write wins: same value is idempotent, another value is a conflict (exit 2)', async () => {
    const first = await runCli(['submit', KEY, 'hello', ...admin, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, status: 'appended', index: 0 });
    const again = await runCli(['submit', KEY, 'hello', ...admin]);
    expect(again.stdout).toMatch(/already_present at index 0/);
    const conflict = await runCli(['submit', KEY, 'other', ...admin]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(/conflict: key already holds a value with digest [0-9a-f]{64}/);
    for (let i = 1; i < 5; i++) expect((await runCli(['submit', `aa${i}0`, `v${i}`, ...admin])).code).toBe(0);
  });

  it('head, entries, prove, logs', async () => {
    const head = await runCli(['head', ...api, '--json']);
    expect(JSON.parse(head.stdout)).toMatchObject({ ok: true, size: 5 });
    fs.writeFileSync(path.join(dir, 'cp5.txt'), JSON.parse(head.stdout).checkpoint);
    const entries = await runCli(['entries', '0', '5', ...api]);
    expect(entries.stdout.trim().split('\n')).toHaveLength(5);
    expect(entries.stdout).toMatch(new RegExp(`^0 ${KEY} [0-9a-f]{64}`));
    const inclusion = await runCli(['prove', 'inclusion', '2', '5', ...api, '--json']);
    expect(JSON.parse(inclusion.stdout).proof.length).toBeGreaterThan(0);
    const past = await runCli(['prove', 'inclusion', '2', '50', ...api]);
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/past the current head/);
    const logs = await runCli(['logs', ...api]);
    expect(logs.stdout).toMatch(/tally {2}published {2}local {2}size 5/);
  });

  it('every command that takes a log takes its configured name as well as its ID', async () => {
    const byDefault = JSON.parse((await runCli(['head', ...api, '--json'])).stdout) as { checkpoint: string };
    const logId = (
      JSON.parse((await runCli(['logs', ...api, '--json'])).stdout) as { logs: { logId: string }[] }
    ).logs[0]!.logId;
    for (const log of ['tally', logId]) {
      const head = await runCli(['head', ...api, '--log', log, '--json']);
      expect(JSON.parse(head.stdout)).toMatchObject({ ok: true, checkpoint: byDefault.checkpoint });
      const entries = await runCli(['entries', '0', '1', ...api, '--log', log]);
      expect(entries.stdout).toMatch(new RegExp(`^0 ${KEY} `));
      const lookup = await runCli(['lookup', KEY, ...api, '--log', log]);
      expect(lookup.stdout).toMatch(/present at index 0/);
      const submit = await runCli(['submit', KEY, 'hello', ...admin, '--log', log]);
      expect(submit.stdout).toMatch(/already_present at index 0/);
    }
    const unknown = await runCli(['head', ...api, '--log', 'builder-3']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/unknown log builder-3: this node does not publish it/);
    const malformed = await runCli(['head', ...api, '--log', 'not a name!']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/is neither a log ID \(64 lowercase hex characters\) nor a log name/);
    // This node follows nothing: a followed log's name is NOT_FOUND, not a malformed ID.
    const evidence = await runCli(['evidence', 'builder-3', ...admin]);
    expect(evidence.code).toBe(3);
    expect(evidence.stderr).toMatch(/log builder-3 is not followed by this node/);
  });

  it('lookup and verify lookup check the chain; a wrong key fails with exit 1', async () => {
    const found = await runCli(['lookup', KEY, ...api]);
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(/present at index 0/);
    expect(found.stdout).toMatch(/hello/);
    const absent = await runCli(['lookup', 'ffff', ...api, '--json']);
    expect(JSON.parse(absent.stdout)).toMatchObject({ ok: true, present: false });

    const pub = path.join(daemon.stateDir, 'keys/tally.public');
    expect((await runCli(['verify', 'lookup', KEY, '--key', pub, ...api])).code).toBe(0);
    const other = await runCli(['keygen', '--name', 'tally', '--out', path.join(dir, 'other')]);
    expect(other.code).toBe(0);
    const wrong = await runCli([
      'verify',
      'lookup',
      KEY,
      '--key',
      path.join(dir, 'other/tally.public'),
      ...api,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/signature/i);
  });

  it('verify inclusion and consistency against saved checkpoints', async () => {
    const pub = path.join(daemon.stateDir, 'keys/tally.public');
    const cp5 = path.join(dir, 'cp5.txt');
    expect((await runCli(['verify', 'inclusion', cp5, '3', '--key', pub, ...api])).code).toBe(0);
    await runCli(['submit', 'bbbb', 'later', ...admin]);
    const head = await runCli(['head', ...api]);
    const cp6 = path.join(dir, 'cp6.txt');
    fs.writeFileSync(cp6, head.stdout);
    const ok = await runCli(['verify', 'consistency', cp5, cp6, '--key', pub, ...api]);
    expect(ok.stdout).toMatch(/consistent: size 5 -> 6/);
    const backwards = await runCli(['verify', 'consistency', cp6, cp5, '--key', pub, ...api]);
    expect(backwards.code).toBe(1);
  });
});
