import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { logIdOf } from '../../src/checkpoint/log-id.js';
import { generateSecretKey, parsePublicKey, writeKeyPair } from '../../src/crypto/ed25519-keys.js';
import { runCli, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { digestOf, keyOf, names, publish, testCluster, type Publisher } from './cluster.js';

/**
 * A rollback (a publisher restored from an older copy of its state directory) and a fork (two
 * daemons signing with one key, different entries at the same size) are detected, kept as
 * evidence, stop counting, and survive a follower restart.
 */
describe('misbehaving followed logs', () => {
  const cluster = testCluster('tally-misbehave-');
  const root = cluster.root;
  const forkKeyFile = path.join(root, 'keys', 'forked.secret');
  let honest: Publisher;
  let rolled: Publisher;
  let forkA: Publisher;
  let rolledPort: number;
  let forkPort: number;
  let follows: Publisher[];
  let follower: DaemonProcess;
  const idOf = (p: Publisher) => logIdOf(parsePublicKey(p.publicKey));

  beforeAll(async () => {
    writeKeyPair(path.dirname(forkKeyFile), generateSecretKey('forked'));
    [honest, rolled, forkA] = await Promise.all([
      cluster.publisher('honest'),
      cluster.publisher('rolled'),
      cluster.publisher('forked', { stateDir: path.join(root, 'fork-a'), keyFile: forkKeyFile }),
    ]);
    // Both come back at the same address later, on the port the OS gave them now.
    [rolledPort, forkPort] = [rolled.port, forkA.port];
    for (const p of [honest, rolled, forkA]) await publish(p, 'a', 'output a');
    follows = [honest, rolled, forkA];
    follower = await cluster.follower('follower', follows);
  }, 60_000);

  const evidenceOf = async (logId: string) => (await follower.adminClient().getEvidence({ logId })).evidence;
  const stateOf = async (name: string) =>
    (await follower.publicClient().listLogs({})).logs.find((l) => l.name === name)!;

  it('a log restored from an older copy of its state directory is a rollback: evidence, never agreeing', async () => {
    // Copy the state at size 1, grow the log to size 3, and let the follower verify size 3.
    await rolled.daemon.stop();
    const backup = path.join(root, 'rolled-backup');
    fs.cpSync(rolled.daemon.stateDir, backup, { recursive: true });
    rolled = await cluster.publisher('rolled', { port: rolledPort });
    await publish(rolled, 'b', 'output b');
    await publish(rolled, 'c', 'output c');
    await pollUntil('rolled to be healthy again', async () => (await stateOf('rolled')).state === 'healthy');
    const seen = await follower.adminClient().decide({ key: keyOf('c'), bypassCache: true });
    // Undecided (1 of 3 logs hold it), but rolled answered from its verified size-3 head.
    expect(seen.dissenting.map((v) => [v.name, v.detail])).toEqual([['rolled', 'entry 2 at size 3']]);
    expect((await stateOf('rolled')).headSize).toBe(3);

    // Restore the old copy: the log now claims size 1 again.
    await rolled.daemon.stop();
    fs.rmSync(rolled.daemon.stateDir, { recursive: true });
    fs.cpSync(backup, rolled.daemon.stateDir, { recursive: true });
    rolled = await cluster.publisher('rolled', { port: rolledPort });

    const evidence = await pollUntil('evidence against rolled', async () => {
      const found = await evidenceOf(idOf(rolled));
      return found.length > 0 ? found : undefined;
    });
    expect(evidence.map((e) => e.kind)).toEqual(['rollback']);
    const key = parsePublicKey(rolled.publicKey);
    expect(verifyCheckpoint(evidence[0]!.oldCheckpoint, key).size).toBe(3);
    expect(verifyCheckpoint(evidence[0]!.newCheckpoint, key).size).toBe(1);
    const state = await stateOf('rolled');
    expect([state.state, state.headSize]).toEqual(['compromised', 3]);
    expect(state.reason).toMatch(/rollback/);

    // It no longer agrees, but still counts: the two logs left that agree are 2 of 3, not 100%.
    const d = await follower.adminClient().decide({ key: keyOf('a'), bypassCache: true });
    expect(d.decided).toBe(true);
    expect(d.confidence).toBeCloseTo(2 / 3, 6);
    expect(names(d.agreeing)).toEqual(['forked', 'honest']);
    expect(d.unavailable).toEqual([]);
    expect(d.compromised.map((v) => [v.name, v.detail.startsWith('rollback: ')])).toEqual([['rolled', true]]);

    const cli = await runCli(['evidence', idOf(rolled), '--state', follower.stateDir]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^rollback in log [0-9a-f]{64}/);
  });

  it('two checkpoints of the same size with different roots are a fork', async () => {
    expect((await stateOf('forked')).headSize).toBe(1);
    // Another daemon with the same key and origin, a different entry at the same size, at the same address.
    await forkA.daemon.stop();
    forkA = await cluster.publisher('forked', {
      port: forkPort,
      stateDir: path.join(root, 'fork-b'),
      keyFile: forkKeyFile,
    });
    await publish(forkA, 'a', 'output a, forked');

    const evidence = await pollUntil('evidence against the fork', async () => {
      const found = await evidenceOf(idOf(forkA));
      return found.length > 0 ? found : undefined;
    });
    expect(evidence.map((e) => e.kind)).toEqual(['fork']);
    const key = parsePublicKey(forkA.publicKey);
    const [older, newer] = [evidence[0]!.oldCheckpoint, evidence[0]!.newCheckpoint].map((n) =>
      verifyCheckpoint(n, key),
    );
    expect([older!.size, newer!.size]).toEqual([1, 1]);
    expect(older!.logRoot.equals(newer!.logRoot)).toBe(false);

    // The one honest log left is 1 of 3: it cannot decide alone.
    const d = await follower.adminClient().decide({ key: keyOf('a'), bypassCache: true });
    expect(d.decided).toBe(false);
    expect(d.dissenting.map((v) => [v.name, v.digest.toString('hex')])).toEqual([
      ['honest', digestOf('output a')],
    ]);
    expect(names(d.compromised)).toEqual(['forked', 'rolled']);
  });

  it('a follower restart keeps the stored heads and the evidence', async () => {
    const before = (await evidenceOf('')).map((e) => [e.logId, e.kind, e.oldCheckpoint, e.newCheckpoint]);
    expect(before.length).toBe(2);
    await follower.stop();
    follower = await cluster.follower('follower', follows);
    const after = (await evidenceOf('')).map((e) => [e.logId, e.kind, e.oldCheckpoint, e.newCheckpoint]);
    expect(after).toEqual(before);
    const rows = (await follower.publicClient().listLogs({})).logs;
    expect(rows.map((l) => [l.name, l.state, l.headSize])).toEqual([
      ['honest', 'healthy', 1],
      ['rolled', 'compromised', 3],
      ['forked', 'compromised', 1],
    ]);
  });
});
