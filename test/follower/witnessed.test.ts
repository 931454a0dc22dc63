import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { keyOf, publish, testCluster, type Publisher } from './cluster.js';
import { logRow, tilesUrlOf, trusting } from './mirror-cluster.js';
import { startTilesProxy, type TilesProxy } from './tiles-proxy.js';
import { startTilesFollower } from './tiles-cluster.js';
import {
  cosignatureLineOf,
  cosignedCheckpoint,
  latestNote,
  startWitness,
  witnessesConfig,
  type Witness,
} from '../witness/witness-cluster.js';

const STRICT_MAX_AGE_SECONDS = 4;

/**
 * A log followed with `[[follow]] witnesses = ["w1.example"]`: a real publisher, a real tally
 * witness daemon the test submits its checkpoints to (as a builder would), and a proxy in front of
 * the log's tiles that serves, as its `checkpoint`, what the test picks: the log's plain note or a
 * cosigned one. Two followers over the proxy: one with the default max_witnessed_age_seconds, one
 * with a few seconds.
 */
describe('following a log that requires a witness', () => {
  const cluster = testCluster('tally-witnessed-');
  let origin: Publisher;
  let w1: Witness;
  let proxy: TilesProxy;
  let patient: DaemonProcess;
  let strict: DaemonProcess;
  /** Mirrors the log (mirror = true), requiring the witness too. */
  let mirror: DaemonProcess;
  /** The note the proxy serves as the log's checkpoint; undefined: the log's own. */
  let served: string | undefined;
  let cosignedAt2 = '';

  const followerOf = (dir: string, maxAge?: number, mirrored = false) =>
    startTilesFollower(
      path.join(cluster.root, dir),
      [
        {
          name: 'origin',
          publicKey: origin.publicKey,
          url: proxy.url,
          mirror: mirrored,
          extra: 'witnesses = ["w1.example"]\n' + (maxAge ? `max_witnessed_age_seconds = ${maxAge}\n` : ''),
        },
      ],
      trusting('origin') + witnessesConfig([w1]),
    );
  const decide = (node: DaemonProcess, label: string) =>
    node.adminClient().decide({ key: keyOf(label), bypassCache: true });
  /** The one vote of a decision, as [status, detail]. */
  const voteOf = async (node: DaemonProcess, label: string) => {
    const d = await decide(node, label);
    const [vote, status] = d.agreeing.length
      ? [d.agreeing[0]!, 'agrees']
      : d.unavailable.length
        ? [d.unavailable[0]!, 'unavailable']
        : [d.absent[0] ?? d.compromised[0]!, 'other'];
    return { decided: d.decided, status, detail: vote.detail };
  };

  beforeAll(async () => {
    origin = await cluster.publisher('origin');
    await publish(origin, 'a', 'output a');
    w1 = await startWitness(path.join(cluster.root, 'w1'), 'w1.example', [origin]);
    proxy = await startTilesProxy(tilesUrlOf(origin));
    proxy.tamper = (p) => (p === 'checkpoint' && served !== undefined ? Buffer.from(served) : undefined);
    [patient, strict, mirror] = await Promise.all([
      followerOf('patient'),
      followerOf('strict', STRICT_MAX_AGE_SECONDS),
      followerOf('mirror', undefined, true),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([patient?.stop(), strict?.stop(), mirror?.stop(), w1?.daemon.stop(), proxy?.close()]);
  });

  it('with no witnessed checkpoint yet, the log follows but never votes: unavailable, "not witnessed"', async () => {
    for (const node of [patient, strict, mirror]) {
      const row = await pollUntil('healthy at size 1', async () => {
        const r = await logRow(node, 'origin');
        return r.state === 'healthy' && r.headSize === 1 ? r : undefined;
      });
      expect(row.witnessedSize).toBeUndefined();
      const reason =
        'not witnessed: no checkpoint of this log with the witness quorum seen yet; the latest checkpoint (size 1) lacks the witness quorum: 0 of 1 listed witnesses cosigned (none), quorum 1';
      expect(row.witnessStatus).toBe(reason);
      expect(await voteOf(node, 'a')).toEqual({ decided: false, status: 'unavailable', detail: reason });
    }
    // The mirror copies nothing that is not witnessed.
    expect((await logRow(mirror, 'origin')).mirroredSize ?? 0).toBe(0);
  });

  it('a cosigned checkpoint counts: its entries vote', async () => {
    await publish(origin, 'b', 'output b');
    served = cosignedAt2 = await cosignedCheckpoint(origin, [w1]);
    for (const node of [patient, strict]) {
      await pollUntil('witnessed at size 2', async () => (await logRow(node, 'origin')).witnessedSize === 2);
    }
    // The next test serves an unwitnessed head at once: the mirror must have copied this one first.
    await pollUntil(
      'the mirror copied size 2',
      async () => (await logRow(mirror, 'origin')).mirroredSize === 2,
    );
    const row = await logRow(patient, 'origin');
    expect([row.headSize, row.witnessStatus]).toEqual([2, 'witnessed at size 2 (quorum 1 of w1.example)']);
    expect(await voteOf(patient, 'b')).toEqual({
      decided: true,
      status: 'agrees',
      detail: 'entry 1 at size 2',
    });
  });

  it('a newer checkpoint without the quorum does not advance the voting size', async () => {
    await publish(origin, 'c', 'output c');
    served = undefined; // the log's own size-3 note, with no cosignature
    const row = await pollUntil('head 3, still witnessed at 2', async () => {
      const r = await logRow(patient, 'origin');
      return r.headSize === 3 ? r : undefined;
    });
    expect([row.state, row.witnessedSize]).toEqual(['healthy', 2]);
    const lacks =
      'the latest checkpoint (size 3) lacks the witness quorum: 0 of 1 listed witnesses cosigned (none), quorum 1';
    expect(row.witnessStatus).toBe(`witnessed at size 2 (quorum 1 of w1.example); ${lacks}`);
    // Entries of the witnessed tree vote, as of it; the entry past it does not.
    expect(await voteOf(patient, 'a')).toEqual({
      decided: true,
      status: 'agrees',
      detail: 'entry 0 at witnessed size 2 (answer at size 3)',
    });
    expect(await voteOf(patient, 'c')).toEqual({
      decided: false,
      status: 'unavailable',
      detail: `not witnessed: entry 2 is past the last witnessed checkpoint (size 2); ${lacks}`,
    });

    const human = await runCli(['logs', '--api', patient.api]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`\n  witnesses witnessed at size 2 (quorum 1 of w1.example); ${lacks}`);
    const json = await runCli(['logs', '--api', patient.api, '--json']);
    const logs = (JSON.parse(json.stdout) as { logs: { name: string; witnessedSize?: number }[] }).logs;
    expect(logs.find((l) => l.name === 'origin')!.witnessedSize).toBe(2);

    // The mirror follows the head to 3 but copies only the witnessed tree: entry 2 is not in it.
    await pollUntil('the mirror at head 3', async () => (await logRow(mirror, 'origin')).headSize === 3);
    const polls = proxy.requested.filter((p) => p === 'checkpoint').length;
    await pollUntil(
      'more polls',
      () => proxy.requested.filter((p) => p === 'checkpoint').length >= polls + 6,
    );
    expect((await logRow(mirror, 'origin')).mirroredSize).toBe(2);
    expect((await voteOf(mirror, 'a')).status).toBe('agrees');
    expect(await voteOf(mirror, 'c')).toMatchObject({ decided: false, status: 'other' });
    expect((await voteOf(mirror, 'c')).detail).toMatch(/^absent at size 2 \(mirrored checkpoint of size 2, /);
  });

  it("a witness's cosignature copied onto a newer checkpoint does not count", async () => {
    served = (await latestNote(origin)) + cosignatureLineOf(cosignedAt2, 'w1.example');
    const row = await pollUntil('the forged line noticed', async () => {
      const r = await logRow(patient, 'origin');
      return /does not verify/.test(r.witnessStatus) ? r : undefined;
    });
    expect(row.witnessedSize).toBe(2);
    expect(row.witnessStatus).toMatch(
      /lacks the witness quorum: 0 of 1 listed witnesses cosigned \(none\), quorum 1; w1\.example: the cosignature does not verify$/,
    );
    expect((await voteOf(patient, 'c')).status).toBe('unavailable');
  });

  it('once the last witnessed checkpoint is older than max_witnessed_age_seconds, no entry votes', async () => {
    const tooOld = new RegExp(
      `^not witnessed: the last witnessed checkpoint \\(size 2\\) last had the quorum as the log's latest \\d+ s ago, more than max_witnessed_age_seconds \\(${STRICT_MAX_AGE_SECONDS}\\); the latest checkpoint \\(size 3\\) lacks the witness quorum`,
    );
    const vote = await pollUntil('the strict follower to find it too old', async () => {
      const v = await voteOf(strict, 'a');
      return tooOld.test(v.detail) ? v : undefined;
    });
    expect([vote.decided, vote.status]).toEqual([false, 'unavailable']);
    expect((await logRow(strict, 'origin')).witnessStatus).toMatch(tooOld);
    // The patient follower (default: a day) still answers as of size 2.
    expect((await voteOf(patient, 'a')).status).toBe('agrees');
  });

  it('a cosigned newer checkpoint moves the voting size up, and both followers vote again', async () => {
    served = await cosignedCheckpoint(origin, [w1]); // the witness is at 2: old 0 gets a 409, then old 2 with the proof
    for (const node of [patient, strict]) {
      const vote = await pollUntil('entry 2 to vote', async () => {
        const v = await voteOf(node, 'c');
        return v.status === 'agrees' ? v : undefined;
      });
      expect(vote).toEqual({ decided: true, status: 'agrees', detail: 'entry 2 at size 3' });
      expect((await logRow(node, 'origin')).witnessStatus).toBe(
        'witnessed at size 3 (quorum 1 of w1.example)',
      );
    }
  });

  it('a restarted follower keeps the witnessed size it stored, while the latest lacks the quorum', async () => {
    await publish(origin, 'd', 'output d');
    served = undefined;
    await pollUntil('head 4', async () => (await logRow(patient, 'origin')).headSize === 4);
    await patient.stop();
    patient = await followerOf('patient');
    const row = await logRow(patient, 'origin');
    expect(row.witnessedSize).toBe(3);
    expect((await voteOf(patient, 'c')).detail).toBe('entry 2 at witnessed size 3 (answer at size 4)');
    expect((await voteOf(patient, 'd')).detail).toMatch(
      /^not witnessed: entry 3 is past the last witnessed checkpoint \(size 3\)/,
    );
  });
});
