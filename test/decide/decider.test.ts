import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DecideConfig } from '../../src/config/types.js';
import { sha256 } from '../../src/crypto/sha256.js';
import {
  Decider,
  type DecideObserver,
  type Decision,
  type Vote,
  type VotingLog,
} from '../../src/decide/index.js';
import { builtinPolicyFile, loadPolicy } from '../../src/policy/index.js';
import type { KeyHashes } from '../../src/verify/key-hashes.js';

const silent = pino({ level: 'silent' });
const KEY = Buffer.alloc(20, 7);
const VALUE_A = Buffer.from('output A');
const VALUE_B = Buffer.from('output B');
const hex = (value: Buffer) => sha256(value).toString('hex');

/** "Two thirds must agree" over the votes it is handed. */
const twoThirds = loadPolicy({
  name: 'two-thirds',
  file: builtinPolicyFile('percentage'),
  params: { threshold: 66 },
});

type Answer =
  { status: 'agrees'; value: Buffer } | { status: 'absent' } | { status: 'unavailable'; why: string };

/**
 * A followed log as the decider sees it: a verified vote per key. It carries its value only when
 * asked to, and serves `served` (its value unless told otherwise) when asked by digest.
 */
class FakeLog implements VotingLog {
  readonly id: string;
  compromised = false;
  /** `withValue` of every lookup, in order. */
  readonly lookups: boolean[] = [];
  /** Digests (hex) asked for by value(). */
  readonly valueRequests: string[] = [];
  served: Buffer | undefined;

  constructor(
    readonly name: string,
    private readonly answer: Answer,
  ) {
    this.id = `id-${name}`;
    this.served = answer.status === 'agrees' ? answer.value : undefined;
  }

  async verifiedLookup(key: Buffer, hashes: KeyHashes, withValue: boolean): Promise<Vote> {
    expect(hashes.key).toEqual(key);
    this.lookups.push(withValue);
    const base = { logName: this.name, logId: this.id, weight: 1 };
    const { answer } = this;
    if (this.compromised)
      return { ...base, status: 'compromised', digest: null, detail: 'fork: two roots at size 3' };
    if (answer.status === 'unavailable')
      return { ...base, status: 'unavailable', digest: null, detail: answer.why };
    if (answer.status === 'absent')
      return { ...base, status: 'absent', digest: null, detail: 'proven absent' };
    const value = withValue ? answer.value : undefined;
    return { ...base, status: 'agrees', digest: hex(answer.value), detail: 'entry 0', value };
  }

  async value(digest: Buffer): Promise<Buffer | undefined> {
    this.valueRequests.push(digest.toString('hex'));
    return this.served;
  }
}

const config = (cacheTtlSeconds = 60): DecideConfig => ({
  cacheTtlSeconds,
  cacheMaxEntries: 100,
  localLogVotes: false,
});
const decider = (logs: VotingLog[], observer?: DecideObserver, ttl?: number) =>
  new Decider(logs, [twoThirds], config(ttl), silent, observer);
const names = (votes: readonly Vote[]) => votes.map((v) => v.logName);
const agrees = (name: string, value = VALUE_A) => new FakeLog(name, { status: 'agrees', value });

describe('Decider', () => {
  it('agreement: decides the shared digest, with the value one log carried, asking each log once', async () => {
    const logs = [agrees('x'), agrees('y'), agrees('z')];
    const decision = await decider(logs).decide(KEY);
    expect(decision).toMatchObject({
      decided: true,
      digest: hex(VALUE_A),
      value: VALUE_A,
      confidence: 1,
      policy: 'two-thirds',
      reason: 'two-thirds decided: 3 of 3 voting logs hold the digest',
    });
    expect(names(decision.agreeing)).toEqual(['x', 'y', 'z']);
    expect([decision.dissenting, decision.absent, decision.unavailable, decision.compromised]).toEqual([
      [],
      [],
      [],
      [],
    ]);
    // Exactly one answer was asked to carry the value; nothing was fetched by digest.
    expect(logs.flatMap((l) => l.lookups)).toEqual([true, false, false]);
    expect(logs.flatMap((l) => l.valueRequests)).toEqual([]);
  });

  it('dissent: a minority digest is reported as dissenting; a three-way split decides nothing', async () => {
    const decision = await decider([agrees('x'), agrees('y', VALUE_B), agrees('z')]).decide(KEY);
    expect(decision).toMatchObject({
      decided: true,
      digest: hex(VALUE_A),
      value: VALUE_A,
      confidence: 2 / 3,
    });
    expect(names(decision.agreeing)).toEqual(['x', 'z']);
    expect(names(decision.dissenting)).toEqual(['y']);
    expect(decision.dissenting[0]!.digest).toBe(hex(VALUE_B));

    const split = await decider([agrees('x'), agrees('y', VALUE_B), agrees('z', Buffer.from('C'))]).decide(
      KEY,
    );
    expect(split).toMatchObject({ decided: false, confidence: 0 });
    expect([split.digest, split.value]).toEqual([undefined, undefined]);
    expect(split.reason).toMatch(/^two-thirds: tie/);
    expect(names(split.dissenting)).toEqual(['x', 'y', 'z']);
  });

  it('unavailable and absent logs count in the denominator and are listed with their details', async () => {
    const down = new FakeLog('down', { status: 'unavailable', why: 'deadline exceeded' });
    const decision = await decider([agrees('x'), agrees('y'), down]).decide(KEY);
    expect(decision).toMatchObject({ decided: true, confidence: 2 / 3 });
    expect(decision.unavailable).toEqual([
      expect.objectContaining({ logName: 'down', detail: 'deadline exceeded' }),
    ]);

    const missing = new FakeLog('missing', { status: 'absent' });
    const tooFew = await decider([agrees('x'), missing, down]).decide(KEY);
    expect(tooFew).toMatchObject({ decided: false, reason: expect.stringMatching(/1 of 3 logs agree/) });
    expect([names(tooFew.dissenting), names(tooFew.absent), names(tooFew.unavailable)]).toEqual([
      ['x'],
      ['missing'],
      ['down'],
    ]);
  });

  it('compromised: stays in the electorate, never agreeing, and is never asked to carry the value', async () => {
    const forked = agrees('forked', VALUE_A);
    forked.compromised = true;
    const logs = [forked, agrees('x'), agrees('y')];
    const decision = await decider(logs).decide(KEY);
    // 2 of 3: the compromised log counts in the denominator, though it would have agreed.
    expect(decision).toMatchObject({
      decided: true,
      digest: hex(VALUE_A),
      value: VALUE_A,
      confidence: 2 / 3,
      reason: 'two-thirds decided: 2 of 3 voting logs hold the digest',
    });
    expect(names(decision.agreeing)).toEqual(['x', 'y']);
    expect(decision.compromised).toEqual([
      expect.objectContaining({ logName: 'forked', detail: 'fork: two roots at size 3' }),
    ]);
    expect(forked.lookups).toEqual([false]); // the turn to carry the value passed to the next log
    expect(logs[1]!.lookups).toEqual([true]);

    // Two of three proven bad: the last cannot decide alone.
    logs[1]!.compromised = true;
    const alone = await decider(logs).decide(KEY);
    expect(alone).toMatchObject({ decided: false, reason: expect.stringMatching(/1 of 3 logs agree/) });
    expect(names(alone.compromised)).toEqual(['forked', 'x']);
  });

  it('a value carried by a dissenter: fetched by digest from an agreeing log, and checked', async () => {
    const dissenter = agrees('dissenter', VALUE_B);
    const lying = agrees('lying');
    lying.served = Buffer.from('not the value of that digest');
    const honest = agrees('honest');
    const decision = await decider([dissenter, lying, honest]).decide(KEY);
    expect(dissenter.lookups).toEqual([true]); // first in turn: its answer carried its own value
    expect(decision).toMatchObject({ decided: true, digest: hex(VALUE_A), value: VALUE_A });
    expect(names(decision.dissenting)).toEqual(['dissenter']);
    expect(lying.valueRequests).toEqual([hex(VALUE_A)]);
    expect(honest.valueRequests).toEqual([hex(VALUE_A)]);
    expect(dissenter.valueRequests).toEqual([]);

    // No agreeing log serves the value: not decided, and the agreeing logs are reported as dissenting.
    honest.served = undefined;
    const none = await decider([agrees('dissenter2', VALUE_B), lying, honest]).decide(KEY);
    expect(none).toMatchObject({ decided: false, confidence: 0 });
    expect([none.digest, none.value]).toEqual([undefined, undefined]);
    expect(none.reason).toBe(
      `two-thirds decided ${hex(VALUE_A)}, but no agreeing log served a value with that digest`,
    );
    expect(names(none.dissenting)).toEqual(['lying', 'honest', 'dissenter2']);
  });

  it('takes turns carrying the value, so no log serves every value', async () => {
    const logs = [agrees('x'), agrees('y'), agrees('z')];
    const d = decider(logs, undefined, 0);
    for (let i = 0; i < 3; i++) await d.decide(KEY);
    expect(logs.map((l) => l.lookups)).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ]);
  });

  it('asks the logs once for concurrent and cached requests; tells its observer which were fresh', async () => {
    const seen: Array<[boolean, boolean]> = [];
    const observer: DecideObserver = {
      decided: (decision: Decision, fresh: boolean) => seen.push([decision.decided, fresh]),
      policyFailed: () => expect.fail('no policy fails here'),
    };
    const logs = [agrees('x'), agrees('y'), agrees('z')];
    const d = decider(logs, observer);
    const [first, second] = await Promise.all([d.decide(KEY), d.decide(KEY)]);
    const third = await d.decide(KEY);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(logs[0]!.lookups).toHaveLength(1);
    expect(seen).toEqual([
      [true, true],
      [true, false],
      [true, false],
    ]);
    await d.decide(KEY, { bypassCache: true });
    expect(logs[0]!.lookups).toHaveLength(2);
    expect(seen.at(-1)).toEqual([true, true]);
  });

  it("tells its observer of a policy's failures", async () => {
    const failures: Array<[string, boolean]> = [];
    const raises = loadPolicy({
      name: 'raises',
      source: 'return function(votes) if #votes > 0 then error("boom") end return nil, "no votes" end',
    });
    const d = new Decider([agrees('x'), agrees('y')], [raises, twoThirds], config(), silent, {
      decided: () => undefined,
      policyFailed: (policy, stopped) => failures.push([policy, stopped]),
    });
    const decision = await d.decide(KEY);
    expect(decision).toMatchObject({ decided: true, policy: 'two-thirds' });
    expect(decision.reason).toMatch(/^raises declined: error: raises:1: boom; two-thirds decided/);
    expect(failures).toEqual([['raises', false]]);
  });
});
