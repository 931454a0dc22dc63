import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signCheckpoint, verifyCheckpoint, type Checkpoint } from '../../src/checkpoint/checkpoint.js';
import { generateSecretKey, parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { CheckpointCopy, forkProblem, refuseToFork } from '../../src/publisher/published-head.js';
import { runCli, startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';

const entry = (n: number) => ({
  key: sha256(Buffer.from(`own log ${n}`)).subarray(0, 20),
  value: Buffer.from(`v${n}`),
});

describe('forkProblem', () => {
  const root = (label: string) => sha256(Buffer.from(label));
  const at = (size: number, logRoot: Buffer): Checkpoint => ({
    origin: 'o',
    size,
    logRoot,
    mapRoot: root('m'),
  });
  const roots = new Map([
    [0, root('empty')],
    [2, root('two')],
    [3, root('three')],
  ]);
  const rootAt = (size: number) => roots.get(size)!;

  it('a stored log that extends the published checkpoint, or equals it, is fine', () => {
    expect(forkProblem(at(3, root('three')), at(2, root('two')), rootAt)).toBeNull();
    expect(forkProblem(at(3, root('three')), at(3, root('three')), rootAt)).toBeNull();
    expect(forkProblem(at(0, root('empty')), at(0, root('empty')), rootAt)).toBeNull();
  });

  it('a stored log smaller than what was published, or another tree at that size, is a fork', () => {
    expect(forkProblem(at(2, root('two')), at(3, root('three')), rootAt)).toBe(
      'the stored log has size 2, but this key already published a checkpoint of size 3',
    );
    expect(forkProblem(at(3, root('three')), at(2, root('other')), rootAt)).toBe(
      "the stored log's tree at size 2 is not the one this key already published at that size",
    );
  });

  it('a copy that does not verify under the key is refused, not skipped', async () => {
    const dir = tempDir();
    const copy = new CheckpointCopy(path.join(dir, 'x.checkpoint'));
    const other = generateSecretKey('other');
    await copy.write(signCheckpoint(at(5, root('five')), other));
    const key = generateSecretKey('mine');
    const check = {
      logName: 'mine',
      logId: 'id',
      publicKey: { name: key.name, publicKey: key.publicKey },
      origin: 'o',
      databaseDir: 'db',
      keyFile: 'k',
    };
    await expect(refuseToFork(at(0, root('empty')), rootAt, [copy], check)).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/does not verify under this log's key/),
    });
    // No copy at all: nothing to compare with.
    await expect(
      refuseToFork(at(0, root('empty')), rootAt, [new CheckpointCopy(path.join(dir, 'none'))], check),
    ).resolves.toBeUndefined();
  });
});

/**
 * Issue 13, item 2: a builder never forks its own log. With its key kept, a database restored from
 * an older backup, or lost, is refused before the daemon publishes anything (exit code 4), until
 * the right database is back.
 */
describe('a builder whose database went back', () => {
  const dir = tempDir('tally-own-rollback-');
  const stateDir = path.join(dir, 'state');
  const config = testConfig();
  const configFile = path.join(dir, 'state.toml'); // where startDaemonProcess writes it
  const start = () => startDaemonProcess({ stateDir, config });
  const startRefused = () => runCli(['daemon', '--config', configFile, '--state', stateDir]);
  let logId: string;
  let databaseDir: string;
  let copyFile: string;

  const headOf = async (daemon: DaemonProcess) =>
    (await daemon.publicClient().getHead({ logId: '' })).checkpoint;

  it('keeps a copy of every new checkpoint beside the database, outside LevelDB', async () => {
    const daemon = await start();
    logId = (await daemon.publicClient().listLogs({})).logs[0]!.logId;
    databaseDir = path.join(stateDir, 'logs', logId);
    copyFile = `${databaseDir}.checkpoint`;
    expect(fs.readFileSync(copyFile, 'utf8')).toBe(await headOf(daemon));
    await daemon.adminClient().submit({ logId: '', entries: [entry(1)] });
    expect(fs.readFileSync(copyFile, 'utf8')).toBe(await headOf(daemon));
    expect(await daemon.stop()).toBe(0);
    fs.cpSync(databaseDir, path.join(dir, 'backup-size-1'), { recursive: true });

    const again = await start();
    await again.adminClient().submit({ logId: '', entries: [entry(2), entry(3)] });
    const head = await headOf(again);
    expect(fs.readFileSync(copyFile, 'utf8')).toBe(head);
    expect(await again.stop()).toBe(0);
    fs.cpSync(databaseDir, path.join(dir, 'current'), { recursive: true });
  }, 60_000);

  it('a database restored from an older backup: refuses to publish, exit 4, says how to recover', async () => {
    const copyBefore = fs.readFileSync(copyFile, 'utf8');
    fs.rmSync(databaseDir, { recursive: true });
    fs.cpSync(path.join(dir, 'backup-size-1'), databaseDir, { recursive: true });
    const refused = await startRefused();
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(
      `tally: refusing to publish log tally (${logId}): the stored log has size 1, but this key already published a checkpoint of size 3`,
    );
    expect(refused.stderr).toContain(`Restore the database ${databaseDir} from a copy at least that new`);
    expect(refused.stderr).toContain('docs/operations.md');
    expect(fs.readFileSync(copyFile, 'utf8')).toBe(copyBefore);
  }, 30_000);

  it('a database lost beside the kept key: refused the same way', async () => {
    fs.rmSync(databaseDir, { recursive: true });
    const refused = await startRefused();
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(
      /the stored log has size 0, but this key already published a checkpoint of size 3/,
    );
  }, 30_000);

  it('with the right database back, it starts and publishes on from the published head', async () => {
    fs.rmSync(databaseDir, { recursive: true, force: true });
    fs.cpSync(path.join(dir, 'current'), databaseDir, { recursive: true });
    const daemon = await start();
    const key = parsePublicKey((await daemon.publicClient().listLogs({})).logs[0]!.publicKey);
    expect(verifyCheckpoint(await headOf(daemon), key).size).toBe(3);
    await daemon.adminClient().submit({ logId: '', entries: [entry(4)] });
    expect(fs.readFileSync(copyFile, 'utf8')).toBe(await headOf(daemon));
    expect(await daemon.stop()).toBe(0);
  }, 60_000);
});

describe('a builder whose database and state copy both went back, beside its static copy', () => {
  it('refuses to publish (exit 4) because the static directory holds a newer checkpoint', async () => {
    const dir = tempDir('tally-static-rollback-');
    const stateDir = path.join(dir, 'state');
    const www = path.join(dir, 'www');
    const config = testConfig(`[publish.static]\ndir = ${JSON.stringify(www)}\n`);
    const daemon = await startDaemonProcess({ stateDir, config });
    const logId = (await daemon.publicClient().listLogs({})).logs[0]!.logId;
    const databaseDir = path.join(stateDir, 'logs', logId);
    expect(await daemon.stop()).toBe(0);
    const backup = path.join(dir, 'backup');
    fs.cpSync(stateDir, backup, { recursive: true });

    const again = await startDaemonProcess({ stateDir, config });
    await again.adminClient().submit({ logId: '', entries: [entry(1), entry(2)] });
    const head = (await again.publicClient().getHead({ logId: '' })).checkpoint;
    const staticCheckpoint = path.join(www, 'logs', logId, 'checkpoint');
    await pollUntil('the static copy at size 2', () => fs.readFileSync(staticCheckpoint, 'utf8') === head);
    expect(await again.stop()).toBe(0);

    // The whole state directory restored from before: only the static copy knows size 2.
    fs.rmSync(stateDir, { recursive: true });
    fs.cpSync(backup, stateDir, { recursive: true });
    const refused = await runCli(['daemon', '--config', `${stateDir}.toml`, '--state', stateDir]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(
      `the stored log has size 0, but this key already published a checkpoint of size 2 (the checkpoint of the static directory ${path.join(www, 'logs', logId)})`,
    );
    expect(refused.stderr).toContain(`Restore the database ${databaseDir}`);
    expect(fs.readFileSync(staticCheckpoint, 'utf8')).toBe(head);
  }, 60_000);
});
