import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPublicKeyFile, type PublicKey } from '../../src/crypto/ed25519-keys.js';
import { parseNote } from '../../src/crypto/signed-note.js';
import { splitHashes } from '../../src/crypto/hash-list.js';
import { addCheckpointBody } from '../fixtures/rfc6962-tree.js';
import { startPublisher, type Publisher } from '../follower/cluster.js';
import { runCli, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { fill, logIdOfPublisher, logRow, startMirror, tilesUrlOf } from '../follower/mirror-cluster.js';
import { startLyingLog, type LyingLog } from '../follower/lying-log.js';
import { specVerifies } from '../witness/spec-verifier.js';

/**
 * An auditing witness ([witness] audit = true) as a real daemon that mirrors an honest publisher
 * (a real daemon) and a publisher whose signed map root lies (test/follower/lying-log.ts).
 */
describe('auditing witness (real daemons)', () => {
  const root = tempDir('tally-audit-witness-');
  let origin: Publisher;
  let liar: LyingLog;
  let witness: DaemonProcess;
  let base: PublicKey;
  let audit: PublicKey;
  const saved: Record<'honest' | 'liar', string> = { honest: '', liar: '' };

  const post = async (body: string) => {
    const res = await fetch(`http://${witness.http}/witness/add-checkpoint`, { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  };
  /** The answer's lines, each checked by the spec verifier: which key made each. */
  const signers = (answer: string, noteText: string) =>
    answer
      .split(/(?<=\n)/)
      .map(
        (line) =>
          [base, audit].find((key) => specVerifies(line, noteText, key.name, key.publicKey))?.name ??
          'invalid',
      );

  beforeAll(async () => {
    origin = await startPublisher(root, 'origin');
    await fill(origin, 300);
    liar = await startLyingLog(300, { wrongDigestAt: 120 });
    witness = await startMirror(
      path.join(root, 'witness'),
      [
        { name: 'origin', publicKey: origin.publicKey, url: tilesUrlOf(origin) },
        { name: 'liar', publicKey: liar.publicKey, url: liar.url },
      ],
      '[witness]\nenabled = true\nname = "w1.example"\nfollowed_logs = true\naudit = true\n',
    );
    base = readPublicKeyFile(path.join(witness.stateDir, 'keys', 'witness.public'));
    audit = readPublicKeyFile(path.join(witness.stateDir, 'keys', 'witness-audit.public'));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([witness?.stop(), origin?.daemon.stop(), liar?.close()]);
  });

  it('generates a second key, mode 0600, with its own name', () => {
    expect([base.name, audit.name]).toEqual(['w1.example', 'w1.example-audit']);
    expect(Buffer.from(audit.publicKey).equals(Buffer.from(base.publicKey))).toBe(false);
    const mode = fs.statSync(path.join(witness.stateDir, 'keys', 'witness-audit.secret')).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('a mirrored, audited checkpoint gets both cosignatures, with one timestamp', async () => {
    await pollUntil(
      'origin audited up to 300',
      async () => (await logRow(witness, 'origin')).auditedSize === 300,
    );
    const note = await (await fetch(`${tilesUrlOf(origin)}checkpoint`)).text();
    const { text } = parseNote(note);
    expect(text).toMatch(/\nmap-root /);
    const answer = await post(addCheckpointBody(0, [], note));
    expect(answer.status, answer.text).toBe(200);
    expect(signers(answer.text, text)).toEqual(['w1.example', 'w1.example-audit']);
    saved.honest = note + answer.text;
    const [first, second] = answer.text.split('\n').map((l) => Buffer.from(l.split(' ')[2] ?? '', 'base64'));
    expect(first!.readBigUInt64BE(4)).toBe(second!.readBigUInt64BE(4));
    // A tampered map-root line is another note: no signature of the log, so 403.
    const tampered = note.replace(/map-root \S+/, `map-root ${Buffer.alloc(32).toString('base64')}`);
    expect((await post(addCheckpointBody(300, [], tampered))).status).toBe(403);
  }, 60_000);

  it('a checkpoint the audit has not reached gets the base cosignature; resubmitted, the audit one too', async () => {
    await fill(origin, 500, 300);
    const note = await (await fetch(`${tilesUrlOf(origin)}checkpoint`)).text();
    const { text } = parseNote(note);
    expect(text.split('\n')[1]).toBe('500');
    const { proof } = await origin.daemon
      .publicClient()
      .getConsistencyProof({ logId: logIdOfPublisher(origin), fromSize: 300, toSize: 500 });
    const first = await post(addCheckpointBody(300, splitHashes(proof), note));
    expect(first.status, first.text).toBe(200);
    const firstSigners = signers(first.text, text);
    expect(firstSigners[0]).toBe('w1.example');
    expect(firstSigners.slice(1)).toEqual(
      (await logRow(witness, 'origin')).auditedSize! >= 500 ? ['w1.example-audit'] : [],
    );
    // Once the mirror holds and has audited size 500, the same submission (old = size) gets both.
    const both = await pollUntil('the audit cosignature of size 500', async () => {
      const again = await post(addCheckpointBody(500, [], note));
      expect(again.status).toBe(200);
      const who = signers(again.text, text);
      return who.length === 2 ? who : undefined;
    });
    expect(both).toEqual(['w1.example', 'w1.example-audit']);
  }, 60_000);

  it('a log whose map root lies never gets the audit cosignature', async () => {
    const note = await (await fetch(`${liar.url}checkpoint`)).text();
    const { text } = parseNote(note);
    const answers = [(await post(addCheckpointBody(0, [], note))).text];
    await pollUntil('the liar to be marked compromised', async () => {
      const row = await logRow(witness, 'liar');
      answers.push((await post(addCheckpointBody(300, [], note))).text);
      return row.state === 'compromised';
    });
    answers.push((await post(addCheckpointBody(300, [], note))).text);
    saved.liar = note + answers.at(-1)!;
    // The tree is consistent, so the base statement holds; the map root is not, so never the audit's.
    for (const answer of answers) expect(signers(answer, text)).toEqual(['w1.example']);
    expect((await logRow(witness, 'liar')).reason).toMatch(/^audit: first wrong entry/);
  }, 60_000);

  it('a user listing the audit key requires it: `tally verify checkpoint --witness <audit key>`', async () => {
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(root, name), text);
      return path.join(root, name);
    };
    const keys = path.join(witness.stateDir, 'keys');
    const verify = (note: string, publicKey: string) =>
      runCli([
        'verify',
        'checkpoint',
        note,
        '--key',
        file(`${path.basename(note)}.key`, publicKey),
        '--witness',
        path.join(keys, 'witness.public'),
        '--witness',
        path.join(keys, 'witness-audit.public'),
        '--quorum',
        '2',
      ]);
    const honest = await verify(file('honest.checkpoint', saved.honest), origin.publicKey);
    expect(honest.code, honest.stderr).toBe(0);
    expect(honest.stdout).toMatch(/w1\.example-audit/);
    const lied = await verify(file('liar.checkpoint', saved.liar), liar.publicKey);
    expect(lied.code).toBe(1);
    expect(lied.stderr).toMatch(/not witnessed: 1 of 2 listed witnesses cosigned \(w1\.example\), quorum 2/);
  });
});
