import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { startPublisher, type Publisher } from './cluster.js';
import { fill, headReaches, logRow, startMirror, tilesUrlOf } from './mirror-cluster.js';
import { startLyingLog, type LyingLog } from './lying-log.js';

/** `tally audit` against an honest daemon and against publishers whose signed map root lies. */
describe('audit', () => {
  const root = tempDir('tally-audit-');
  let origin: Publisher;
  let wrongDigest: LyingLog;
  let repeatedKey: LyingLog;
  let honestCopy: LyingLog;
  let mirror: DaemonProcess;
  const keyFile = (log: LyingLog) => {
    const file = path.join(root, `${log.logId}.public`);
    fs.writeFileSync(file, log.publicKey + '\n');
    return file;
  };

  beforeAll(async () => {
    origin = await startPublisher(root, 'origin');
    await fill(origin, 1300);
    [wrongDigest, repeatedKey, honestCopy] = await Promise.all([
      startLyingLog(700, { wrongDigestAt: 650 }),
      startLyingLog(700, { repeatKey: { at: 520, of: 3 } }),
      startLyingLog(700, {}),
    ]);
    const follow = (name: string, publicKey: string, url: string) => ({ name, publicKey, url });
    mirror = await startMirror(path.join(root, 'mirror'), [
      follow('origin', origin.publicKey, tilesUrlOf(origin)),
      follow('liar', wrongDigest.publicKey, wrongDigest.url),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([mirror?.stop(), origin?.daemon.stop()]);
    await Promise.all([wrongDigest, repeatedKey, honestCopy].map((l) => l?.close()));
  });

  it('--url: an honest log audits clean (exit 0, saying what was checked)', async () => {
    const run = await runCli(['audit', '--url', tilesUrlOf(origin), '--key', origin.publicKey]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /entries 0\.\.1300 verified and replayed, no key twice; tree root and map root reproduced at size 1300/,
    );
    const copy = await runCli(['audit', '--url', honestCopy.url, '--key', keyFile(honestCopy), '--json']);
    expect([copy.code, JSON.parse(copy.stdout).auditedSize]).toEqual([0, 700]);
  }, 60_000);

  it('--url: a signed map root its entries do not give is caught (exit 1)', async () => {
    const run = await runCli(['audit', '--url', wrongDigest.url, '--key', keyFile(wrongDigest)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /first wrong entry 0: entries \[0, 700\) give map root [0-9a-f]{64}, but the checkpoint of size 700 signs/,
    );
  }, 60_000);

  it('--url: a key appearing twice is caught at its entry (exit 1)', async () => {
    const run = await runCli(['audit', '--url', repeatedKey.url, '--key', keyFile(repeatedKey)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/first wrong entry 520: entry 520 repeats the key of entry 3/);
  }, 60_000);

  it('the daemon audits its mirrors: the liar is compromised with evidence, the honest log audits clean', async () => {
    await headReaches(mirror, 'origin', 1300);
    const liar = await pollUntil('the liar to be marked compromised', async () => {
      const row = await logRow(mirror, 'liar');
      return row.state === 'compromised' ? row : undefined;
    });
    expect(liar.reason).toMatch(/^audit: first wrong entry 0: entries \[0, 700\) give map root/);
    const evidence = await runCli(['evidence', 'liar', '--state', mirror.stateDir, '--json']);
    const records = JSON.parse(evidence.stdout).evidence as { kind: string; newCheckpoint: string }[];
    expect(records.map((r) => r.kind)).toEqual(['audit']);
    expect(records[0]!.newCheckpoint).toBe(await (await fetch(wrongDigest.url + 'checkpoint')).text());
    const lied = await runCli(['audit', 'liar', '--state', mirror.stateDir]);
    expect(lied.code).toBe(1);
    expect(lied.stderr).toMatch(/audit of liar failed: first wrong entry 0/);

    const honest = await runCli(['audit', 'origin', '--state', mirror.stateDir]);
    expect(honest.stderr).toBe('');
    expect(honest.code).toBe(0);
    expect(honest.stdout).toMatch(
      /audited origin: entries 0\.\.1300 replayed, no key twice; .* up to size 1300/,
    );
    const logs = await runCli(['logs', '--api', mirror.api, '--json']);
    const rows = JSON.parse(logs.stdout).logs as { name: string; auditedSize?: number }[];
    expect(rows.find((r) => r.name === 'origin')!.auditedSize).toBe(1300);
  }, 60_000);
});
