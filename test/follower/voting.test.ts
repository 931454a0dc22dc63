import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type DaemonProcess } from '../helpers/daemon.js';
import { digestOf, keyOf, names, publish, testCluster, type Publisher } from './cluster.js';

/** Three publishing daemons and one follower deciding with the default two-thirds policy. */
describe('deciding over three followed logs', () => {
  const cluster = testCluster('tally-follow-');
  let pubs: Publisher[];
  let follower: DaemonProcess;

  beforeAll(async () => {
    pubs = await Promise.all(['b1', 'b2', 'b3'].map((n) => cluster.publisher(n)));
    await Promise.all(pubs.map((p) => publish(p, 'same', 'output same')));
    await Promise.all([
      publish(pubs[0]!, 'majority', 'output good'),
      publish(pubs[1]!, 'majority', 'output good'),
      publish(pubs[2]!, 'majority', 'output evil'),
    ]);
    await Promise.all(pubs.map((p, i) => publish(p, 'split', `output split ${i}`)));
    await publish(pubs[0]!, 'lonely', 'output lonely');
    follower = await cluster.follower('follower', pubs);
  }, 60_000);

  it('unanimous agreement decides the digest with the value and confidence 1', async () => {
    const d = await follower.adminClient().decide({ key: keyOf('same'), bypassCache: false });
    expect(d.decided).toBe(true);
    expect(d.digest.toString('hex')).toBe(digestOf('output same'));
    expect(d.value.toString()).toBe('output same');
    expect(d.confidence).toBe(1);
    expect(d.policy).toBe('two-thirds');
    expect(names(d.agreeing)).toEqual(['b1', 'b2', 'b3']);
    expect(d.dissenting.length + d.absent.length + d.unavailable.length).toBe(0);
  });

  it('a 2-of-3 majority decides and reports the dissenter with its digest', async () => {
    const d = await follower.adminClient().decide({ key: keyOf('majority'), bypassCache: false });
    expect(d.decided).toBe(true);
    expect(d.digest.toString('hex')).toBe(digestOf('output good'));
    expect(d.confidence).toBeCloseTo(2 / 3, 6);
    expect(names(d.agreeing)).toEqual(['b1', 'b2']);
    expect(d.dissenting.map((v) => [v.name, v.digest.toString('hex')])).toEqual([
      ['b3', digestOf('output evil')],
    ]);
  });

  it("the decided value is the agreeing logs', whichever log's answer carried a value", async () => {
    // One log per decision carries the value, in turn: over three decisions each log does once,
    // including the dissenter, whose value must never be taken (it is fetched from b1 or b2).
    for (let turn = 0; turn < 3; turn++) {
      const d = await follower.adminClient().decide({ key: keyOf('majority'), bypassCache: true });
      expect(d.decided).toBe(true);
      expect(d.value.toString()).toBe('output good');
    }
  });

  it('a three-way split is undecided, with the reason', async () => {
    const d = await follower.adminClient().decide({ key: keyOf('split'), bypassCache: false });
    expect(d.decided).toBe(false);
    expect(d.digest.length).toBe(0);
    expect(d.value.length).toBe(0);
    expect(d.reason).toMatch(/tie/);
    expect(names(d.dissenting)).toEqual(['b1', 'b2', 'b3']);
  });

  it('one answering log of three is 33%, not 100%: absent logs count in the denominator', async () => {
    const d = await follower.adminClient().decide({ key: keyOf('lonely'), bypassCache: false });
    expect(d.decided).toBe(false);
    expect(d.reason).toMatch(/1 of 3/);
    expect(names(d.absent)).toEqual(['b2', 'b3']);
  });

  it('tally decide --json and tally logs show the votes and the followed heads', async () => {
    const out = await runCli([
      'decide',
      keyOf('majority').toString('hex'),
      '--state',
      follower.stateDir,
      '--json',
    ]);
    expect(out.code).toBe(0);
    const json = JSON.parse(out.stdout) as {
      decided: boolean;
      digest: string;
      dissenting: { name: string }[];
    };
    expect(json.decided).toBe(true);
    expect(json.digest).toBe(digestOf('output good'));
    expect(json.dissenting.map((v) => v.name)).toEqual(['b3']);

    const logs = await follower.publicClient().listLogs({});
    const followed = logs.logs.filter((l) => l.role === 'followed');
    expect(followed.map((l) => [l.name, l.state, l.headSize])).toEqual([
      ['b1', 'healthy', 4],
      ['b2', 'healthy', 3],
      ['b3', 'healthy', 3],
    ]);
  });

  it('one log offline: reported unavailable and still counted in the denominator', async () => {
    await publish(pubs[0]!, 'offline', 'output offline');
    await publish(pubs[1]!, 'offline', 'output offline');
    await pubs[2]!.daemon.stop();
    const d = await follower.adminClient().decide({ key: keyOf('offline'), bypassCache: true });
    expect(d.decided).toBe(true); // 2 of 3 meets 66%
    expect(d.confidence).toBeCloseTo(2 / 3, 6);
    expect(names(d.unavailable)).toEqual(['b3']);
    expect(d.unavailable[0]!.detail).toMatch(/UNAVAILABLE|unavailable|connect|deadline/i);

    await pubs[1]!.daemon.stop();
    const lone = await follower.adminClient().decide({ key: keyOf('offline'), bypassCache: true });
    expect(lone.decided).toBe(false);
    expect(lone.reason).toMatch(/1 of 3/);
    expect(names(lone.unavailable)).toEqual(['b2', 'b3']);
  });
});
