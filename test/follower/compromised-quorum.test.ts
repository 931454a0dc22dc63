import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { digestOf, keyOf, names, publish, testCluster, type Publisher } from './cluster.js';

/** Each built-in policy, with the thresholds set so that only min_agreeing (or the full count) holds. */
const CHAIN = `
[[policy]]
name = "two-thirds"
file = "builtin:percentage"
[policy.params]
threshold = 66
min_agreeing = 2

[[policy]]
name = "by-weight"
file = "builtin:weighted"
[policy.params]
threshold = 30
min_agreeing = 2

[[policy]]
name = "trust-c"
file = "builtin:name-match"
[policy.params]
name = "c"
min_agreeing = 2
`;

/**
 * Issue 13, item 1: two of three logs are restored from an older copy of their state directory
 * (same keys), so the follower marks them compromised (rollback). The third log, the one the other
 * two outvoted, must not then decide alone: compromised logs stay in the count, and every
 * built-in policy's min_agreeing holds.
 */
describe('a quorum that cannot shrink', () => {
  const cluster = testCluster('tally-quorum-');
  const root = cluster.root;
  const pubs: Record<'a' | 'b' | 'c', Publisher> = {} as never;
  let follower: DaemonProcess;
  const key = keyOf('contested');

  const decide = () => follower.adminClient().decide({ key, bypassCache: true });
  const stateOf = async (name: string) =>
    (await follower.publicClient().listLogs({})).logs.find((l) => l.name === name)!.state;

  beforeAll(async () => {
    for (const name of ['a', 'b', 'c'] as const) {
      pubs[name] = await cluster.publisher(name);
      await publish(pubs[name], 'seed', 'output seed');
    }
    // Backups of a and b at size 1, from before the contested entry.
    for (const name of ['a', 'b'] as const) {
      await pubs[name].daemon.stop();
      fs.cpSync(pubs[name].daemon.stateDir, path.join(root, `${name}-backup`), { recursive: true });
      pubs[name] = await cluster.publisher(name, { port: pubs[name].port });
      await publish(pubs[name], 'contested', 'output good');
    }
    await publish(pubs.c, 'contested', 'output evil');
    follower = await cluster.follower('follower', [pubs.a, pubs.b, pubs.c], CHAIN);
  }, 90_000);

  it('with every log healthy, the two agreeing logs outvote the third', async () => {
    const d = await pollUntil('two agreeing logs', async () => {
      const answer = await decide();
      return answer.agreeing.length === 2 ? answer : undefined;
    });
    expect(d.decided).toBe(true);
    expect(d.digest.toString('hex')).toBe(digestOf('output good'));
    expect(names(d.dissenting)).toEqual(['c']);
  }, 60_000);

  it('after two logs are restored from old backups and marked compromised, the third decides nothing', async () => {
    await Promise.all(
      (['a', 'b'] as const).map(async (name) => {
        await pubs[name].daemon.stop();
        fs.renameSync(pubs[name].daemon.stateDir, path.join(root, `${name}-current`));
        fs.cpSync(path.join(root, `${name}-backup`), pubs[name].daemon.stateDir, { recursive: true });
        pubs[name] = await cluster.publisher(name, { port: pubs[name].port });
      }),
    );
    await pollUntil(
      'a and b to be compromised',
      async () => (await stateOf('a')) === 'compromised' && (await stateOf('b')) === 'compromised',
    );

    const d = await decide();
    expect(d.decided).toBe(false);
    expect(d.digest.length).toBe(0);
    expect(d.policy).toBe('two-thirds > by-weight > trust-c');
    expect(d.reason).toBe(
      'two-thirds: 1 of 3 logs agree (33.3%), below the 66% threshold; ' +
        'by-weight: 1 of 3 logs agree, fewer than min_agreeing 2; ' +
        'trust-c: 1 of 3 logs agree with log "c", fewer than min_agreeing 2',
    );
    // Compromised, not "unavailable": with the evidence's reason.
    expect(d.compromised.map((v) => [v.name, v.detail.startsWith('rollback: ')])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(d.unavailable).toEqual([]);
    expect(d.dissenting.map((v) => [v.name, v.digest.toString('hex')])).toEqual([
      ['c', digestOf('output evil')],
    ]);

    const cli = await runCli(['decide', key.toString('hex'), '--bypass-cache', '--state', follower.stateDir]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^undecided \(two-thirds > by-weight > trust-c\)/);
    expect(cli.stdout).toMatch(/^ {2}compromised a {2}\(rollback: /m);
    expect(cli.stdout).toMatch(/^ {2}compromised b {2}\(rollback: /m);
    expect(cli.stdout).not.toMatch(/unavailable/);
    const json = await runCli(['decide', key.toString('hex'), '--json', '--state', follower.stateDir]);
    const parsed = JSON.parse(json.stdout) as { compromised: { name: string }[]; decided: boolean };
    expect([parsed.decided, names(parsed.compromised)]).toEqual([false, ['a', 'b']]);
  }, 120_000);

  const reset = (log: string, ...flags: string[]) =>
    runCli(['follow', 'reset', log, ...flags, '--state', follower.stateDir]);

  it('follow reset needs a confirmation, and a log that still rolls back is marked again', async () => {
    const unconfirmed = await reset('b');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/refusing to reset log b without confirmation: pass --yes/);
    expect(await stateOf('b')).toBe('compromised');

    // b still serves its old backup: the poll right after the reset finds the rollback again.
    const again = await reset('b', '--yes', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      ok: true,
      wasCompromised: true,
      evidenceKept: 1,
      state: 'compromised',
      reason: expect.stringMatching(/^rollback: /),
    });
    const evidence = await follower.adminClient().getEvidence({ logId: 'b' });
    expect(evidence.evidence.map((e) => e.kind)).toEqual(['rollback', 'rollback']);
  }, 60_000);

  it('once the right data is back, follow reset clears the mark, keeps the evidence, and holds across restarts', async () => {
    await Promise.all(
      (['a', 'b'] as const).map(async (name) => {
        await pubs[name].daemon.stop();
        fs.rmSync(pubs[name].daemon.stateDir, { recursive: true });
        fs.renameSync(path.join(root, `${name}-current`), pubs[name].daemon.stateDir);
        pubs[name] = await cluster.publisher(name, { port: pubs[name].port });
      }),
    );
    // Restored, but a compromised log is not asked any more: only a reset brings it back.
    expect(await stateOf('a')).toBe('compromised');
    for (const name of ['a', 'b']) {
      const done = await reset(name, '--yes');
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(
        new RegExp(`^reset log ${name}: state healthy, head size 2; \\d evidence record\\(s\\) kept`),
      );
    }
    expect(follower.output()).toMatch(
      /compromised mark of a followed log reset by the operator; its evidence is kept/,
    );
    const notMarked = await reset('c', '--yes');
    expect(notMarked.stdout).toMatch(/^log c was not compromised; nothing changed/);

    const d = await decide();
    expect(d.decided).toBe(true);
    expect(d.digest.toString('hex')).toBe(digestOf('output good'));
    expect(names(d.agreeing)).toEqual(['a', 'b']);

    await follower.stop();
    follower = await cluster.follower('follower', [pubs.a, pubs.b, pubs.c], CHAIN);
    const evidence = await runCli(['evidence', 'a', '--state', follower.stateDir]);
    expect(evidence.code).toBe(0);
    expect(evidence.stdout).toMatch(/^rollback in log [0-9a-f]{64}/);
    expect(await stateOf('a')).not.toBe('compromised');
    expect((await decide()).decided).toBe(true);
  }, 120_000);
});
