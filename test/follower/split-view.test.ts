import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNote } from '../../src/crypto/signed-note.js';
import { generateSecretKey, writeKeyPair } from '../../src/crypto/ed25519-keys.js';
import { defaultOrigin } from '../../src/checkpoint/log-id.js';
import { runCli, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { digestOf, keyOf, publish, testCluster, type Publisher } from './cluster.js';
import { logIdOfPublisher, logRow, tilesUrlOf, trusting } from './mirror-cluster.js';
import { startTilesProxy, type TilesProxy } from './tiles-proxy.js';
import { startTilesFollower } from './tiles-cluster.js';
import {
  cosignatureLineOf,
  latestNote,
  startWitness,
  submitToWitness,
  witnessesConfig,
  type Witness,
} from '../witness/witness-cluster.js';
import { specCosign, specKeyPair } from '../witness/spec-verifier.js';

type Branch = 'A' | 'B';

/**
 * The split-view attack: one log (two daemons signing with one key) shows branch A to one
 * follower and branch B, of the same size, to another; the entry `pkg` differs. Each branch is
 * served through its own proxy, whose `checkpoint` is the branch's note with the cosignatures it
 * could gather. The honest witness w1 is a real tally witness daemon; colluder.example is a
 * witness key the attacker holds, cosigning anything (with a cosigner written from the spec).
 */
describe('split view', () => {
  const cluster = testCluster('tally-split-view-');
  const root = cluster.root;
  const keyFile = path.join(root, 'keys', 'builder.secret');
  const colluderKey = specKeyPair();
  const colluder = {
    name: 'colluder.example',
    publicKey: `colluder.example:${colluderKey.raw.toString('base64')}`,
  };
  const logs = {} as Record<Branch, Publisher>;
  const proxies = {} as Record<Branch, TilesProxy>;
  const notes = {} as Record<Branch, string>;
  /** What each proxy serves as the log's checkpoint. */
  const served = {} as Record<Branch, string>;
  let w1: Witness;
  let origin: string;
  /** Shown A, requiring w1 and the colluder, quorum 2. */
  let sawA: DaemonProcess;
  /** Shown B, requiring w1. */
  let sawB: DaemonProcess;
  /** Shown B, requiring w1 and the colluder, quorum 2. */
  let sawBQuorum2: DaemonProcess;
  /** Shown B, requiring no witness: the attack as it works without witnesses. */
  let unwitnessed: DaemonProcess;

  const colluderCosign = (note: string) =>
    specCosign(
      colluder.name,
      colluderKey.privateKey,
      colluderKey.raw,
      parseNote(note).text,
      Math.floor(Date.now() / 1000),
    );
  const follower = (dir: string, branch: Branch, witnesses: string) =>
    startTilesFollower(
      path.join(root, dir),
      [{ name: 'builder', publicKey: logs[branch].publicKey, url: proxies[branch].url, extra: witnesses }],
      trusting('builder') + witnessesConfig([w1, colluder]),
    );
  const decidePkg = (node: DaemonProcess) =>
    node.adminClient().decide({ key: keyOf('pkg'), bypassCache: true });

  beforeAll(async () => {
    writeKeyPair(path.dirname(keyFile), generateSecretKey('builder'));
    for (const branch of ['A', 'B'] as const) {
      logs[branch] = await cluster.publisher('builder', {
        stateDir: path.join(root, `branch-${branch}`),
        keyFile,
      });
      await publish(logs[branch], 'common', 'output common');
      await publish(logs[branch], 'pkg', branch === 'A' ? 'output pkg' : 'output pkg, backdoored');
      notes[branch] = await latestNote(logs[branch]);
      proxies[branch] = await startTilesProxy(tilesUrlOf(logs[branch]));
      proxies[branch].tamper = (p) => (p === 'checkpoint' ? Buffer.from(served[branch]) : undefined);
    }
    origin = defaultOrigin(logIdOfPublisher(logs.A));
    expect(logIdOfPublisher(logs.B)).toBe(logIdOfPublisher(logs.A));
    w1 = await startWitness(path.join(root, 'w1'), 'w1.example', [logs.A]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([sawA, sawB, sawBQuorum2, unwitnessed, w1?.daemon].map((node) => node?.stop()));
    await Promise.all(Object.values(proxies).map((p) => p.close()));
  });

  it('the witness cosigns branch A, then refuses branch B of the same size with 409 and keeps evidence', async () => {
    const [a] = await submitToWitness(w1, logs.A, notes.A);
    expect(a!.status, a!.text).toBe(200);
    served.A = notes.A + a!.text + colluderCosign(notes.A);

    const answers = await submitToWitness(w1, logs.B, notes.B);
    // `old 0` is stale (the protocol's way to learn the size), then `old 2` names another tree.
    expect(answers.map((r) => [r.status, r.type, r.text])).toEqual([
      [409, 'text/x.tlog.size', '2\n'],
      [409, 'text/x.tlog.size', '2\n'],
    ]);
    // The attacker's best: the colluder's cosignature, and w1's line copied from branch A.
    served.B = notes.B + colluderCosign(notes.B) + cosignatureLineOf(served.A, 'w1.example');

    const run = await runCli(['evidence', '--state', w1.daemon.stateDir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { witnessEvidence } = JSON.parse(run.stdout) as {
      witnessEvidence: { kind: string; origin: string; oldCheckpoint: string; newCheckpoint: string }[];
    };
    expect(witnessEvidence.map((e) => [e.kind, e.origin, e.oldCheckpoint, e.newCheckpoint])).toEqual([
      ['fork', origin, notes.A, notes.B],
    ]);
    const human = await runCli(['evidence', '--state', w1.daemon.stateDir]);
    expect(human.stdout).toContain(`fork submitted to this witness for origin ${origin}`);
  });

  it('`tally verify checkpoint` counts the spec-made cosignatures: A has the quorum of 2, B only the colluder', async () => {
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(root, name), text);
      return path.join(root, name);
    };
    const keys = [
      '--key',
      file('builder.key', logs.A.publicKey),
      '--witness',
      file('w1.public', w1.publicKey),
      '--witness',
      file('colluder.public', colluder.publicKey),
    ];
    const a = await runCli([
      'verify',
      'checkpoint',
      file('a.checkpoint', served.A),
      ...keys,
      '--quorum',
      '2',
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/cosigned: w1\.example at .*colluder\.example at .* \(quorum 2 of 2\)/);
    const b = await runCli([
      'verify',
      'checkpoint',
      file('b.checkpoint', served.B),
      ...keys,
      '--quorum',
      '2',
    ]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(
      /not witnessed: 1 of 2 listed witnesses cosigned \(colluder\.example\), quorum 2; w1\.example: the cosignature does not verify/,
    );
    // The colluder's line alone is a valid cosignature (one witness proves nothing about others' views)...
    const alone = await runCli([
      'verify',
      'checkpoint',
      file('b.checkpoint', served.B),
      ...keys,
      '--quorum',
      '1',
    ]);
    expect(alone.code, alone.stderr).toBe(0);
    // ...and one flipped bit of it is not.
    const line = colluderCosign(notes.B);
    const bytes = Buffer.from(line.trimEnd().split(' ')[2]!, 'base64');
    bytes[40]! ^= 1;
    const tampered = `${notes.B}\u2014 ${colluder.name} ${bytes.toString('base64')}\n`;
    const bad = await runCli([
      'verify',
      'checkpoint',
      file('t.checkpoint', tampered),
      ...keys,
      '--quorum',
      '1',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/colluder\.example: the cosignature does not verify/);
  });

  it("followers requiring the witness never count branch B; the follower shown A decides A's output", async () => {
    [sawA, sawB, sawBQuorum2, unwitnessed] = await Promise.all([
      follower('saw-a', 'A', 'witnesses = ["w1.example", "colluder.example"]\nwitness_quorum = 2\n'),
      follower('saw-b', 'B', 'witnesses = ["w1.example"]\n'),
      follower('saw-b-q2', 'B', 'witnesses = ["w1.example", "colluder.example"]\nwitness_quorum = 2\n'),
      follower('unwitnessed', 'B', ''),
    ]);
    // Without witnesses the attack works: the victim decides the backdoored output.
    await pollUntil(
      'the unwitnessed follower at size 2',
      async () => (await logRow(unwitnessed, 'builder')).headSize === 2,
    );
    const fooled = await decidePkg(unwitnessed);
    expect([fooled.decided, fooled.digest.toString('hex')]).toEqual([
      true,
      digestOf('output pkg, backdoored'),
    ]);

    await pollUntil('A witnessed', async () => (await logRow(sawA, 'builder')).witnessedSize === 2);
    const honest = await decidePkg(sawA);
    expect([honest.decided, honest.digest.toString('hex')]).toEqual([true, digestOf('output pkg')]);

    // Polls of B's checkpoint later (three followers poll it), B has still never counted.
    const polls = () => proxies.B.requested.filter((p) => p === 'checkpoint').length;
    const before = polls();
    await pollUntil('six more polls of branch B', () => polls() >= before + 6);
    const reasons = {
      sawB: '0 of 1 listed witnesses cosigned (none), quorum 1; w1.example: the cosignature does not verify',
      sawBQuorum2:
        '1 of 2 listed witnesses cosigned (colluder.example), quorum 2; w1.example: the cosignature does not verify',
    };
    for (const [node, reason] of [
      [sawB, reasons.sawB],
      [sawBQuorum2, reasons.sawBQuorum2],
    ] as const) {
      const row = await logRow(node, 'builder');
      expect([row.state, row.headSize, row.witnessedSize]).toEqual(['healthy', 2, undefined]);
      const detail = `not witnessed: no checkpoint of this log with the witness quorum seen yet; the latest checkpoint (size 2) lacks the witness quorum: ${reason}`;
      expect(row.witnessStatus).toBe(detail);
      const d = await decidePkg(node);
      expect(d.decided).toBe(false);
      expect(d.agreeing).toEqual([]);
      expect(d.unavailable.map((v) => [v.name, v.detail])).toEqual([['builder', detail]]);
      const common = await node.adminClient().decide({ key: keyOf('common'), bypassCache: true });
      expect(common.decided).toBe(false);
    }
  }, 120_000);

  it('shown the witnessed branch A later, the follower that saw B finds the fork', async () => {
    proxies.B.origin = tilesUrlOf(logs.A);
    served.B = served.A;
    const evidence = await pollUntil('fork evidence', async () => {
      const found = (await sawB.adminClient().getEvidence({ logId: logIdOfPublisher(logs.A) })).evidence;
      return found.length > 0 ? found : undefined;
    });
    // The old checkpoint is B's, with whichever signature lines the follower saw last on it.
    const text = (note: string) => parseNote(note).text;
    expect(evidence.map((e) => [e.kind, text(e.oldCheckpoint), e.newCheckpoint])).toEqual([
      ['fork', text(notes.B), served.A],
    ]);
    expect((await logRow(sawB, 'builder')).state).toBe('compromised');
    expect((await decidePkg(sawB)).decided).toBe(false);
  }, 60_000);
});
