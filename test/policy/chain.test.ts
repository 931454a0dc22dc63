import { describe, expect, test } from 'vitest';

import { builtinPolicyFile, evaluateChain, loadPolicy } from '../../src/policy/index.js';
import { A, absent, agrees, B, compromised, unavailable } from './votes.js';

// "Two thirds must agree, else take what log y says."
const twoThirds = loadPolicy({
  name: 'two-thirds',
  file: builtinPolicyFile('percentage'),
  params: { threshold: 66 },
});
const trustY = loadPolicy({ name: 'trust-y', file: builtinPolicyFile('name-match'), params: { name: 'y' } });
const chain = [twoThirds, trustY];

const names = (votes: readonly { logName: string }[]) => votes.map((v) => v.logName);

describe('evaluateChain', () => {
  test('the first policy decides: the second is not consulted', () => {
    const decision = evaluateChain(chain, [agrees('x', A), agrees('y', B), agrees('z', A)]);
    expect(decision).toMatchObject({
      decided: true,
      digest: A,
      confidence: 2 / 3,
      policy: 'two-thirds',
      reason: 'two-thirds decided: 2 of 3 voting logs hold the digest',
    });
    expect([names(decision.agreeing), names(decision.dissenting)]).toEqual([['x', 'z'], ['y']]);
  });

  test('the first is undecided, the second decides', () => {
    const decision = evaluateChain(chain, [agrees('x', A), agrees('y', B), unavailable('z')]);
    expect(decision).toMatchObject({
      decided: true,
      digest: B,
      confidence: 1 / 3,
      policy: 'trust-y',
      reason:
        'two-thirds declined: tie: several digests each have 1 of 3 logs; ' +
        'trust-y decided: 1 of 3 voting logs hold the digest',
    });
    expect([names(decision.agreeing), names(decision.dissenting), names(decision.unavailable)]).toEqual([
      ['y'],
      ['x'],
      ['z'],
    ]);
  });

  test('none decides: the reasons of all are collected, and every vote is listed', () => {
    const decision = evaluateChain(chain, [agrees('x', A), absent('y'), unavailable('z')]);
    expect(decision).toEqual({
      decided: false,
      digest: undefined,
      confidence: 0,
      policy: 'two-thirds > trust-y',
      reason: 'two-thirds: 1 of 3 logs agree (33.3%), below the 66% threshold; trust-y: log "y" is absent',
      agreeing: [],
      dissenting: [agrees('x', A)],
      absent: [absent('y')],
      unavailable: [unavailable('z')],
      compromised: [],
    });
  });

  test('compromised votes count in the denominator and are listed on their own', () => {
    const forked = compromised('w');
    const decision = evaluateChain(chain, [forked, agrees('x', A), agrees('y', A)]);
    expect(decision).toMatchObject({ decided: true, digest: A, confidence: 2 / 3 });
    expect(decision.reason).toBe('two-thirds decided: 2 of 3 voting logs hold the digest');
    expect([decision.compromised, decision.unavailable]).toEqual([[forked], []]);
  });

  test('a failing policy falls through to the next, and is told to the observer', () => {
    const broken = loadPolicy({
      name: 'broken',
      source: 'return function(votes) if #votes > 0 then error("bug") end return nil, "no votes" end',
    });
    const failures: Array<[string, boolean]> = [];
    const decision = evaluateChain([broken, trustY], [agrees('y', A)], (policy, stopped) =>
      failures.push([policy, stopped]),
    );
    expect(decision).toMatchObject({
      decided: true,
      policy: 'trust-y',
      reason: 'broken declined: error: broken:1: bug; trust-y decided: 1 of 1 voting logs hold the digest',
    });
    expect(failures).toEqual([['broken', false]]);
  });

  test('an empty chain is a configuration error', () => {
    expect(() => evaluateChain([], [])).toThrow(/at least one policy/);
  });
});
