import { describe, expect, test } from 'vitest';

import { builtinPolicyFile, loadPolicy, type PolicyParams } from '../../src/policy/index.js';
import { A, absent, agrees, B, C, compromised, unavailable } from './votes.js';

const builtin = (name: 'percentage' | 'name-match' | 'weighted', params: PolicyParams) =>
  loadPolicy({ name, file: builtinPolicyFile(name), params });

describe('percentage.lua', () => {
  const twoThirds = builtin('percentage', { threshold: 66 });

  test('unanimous logs decide with confidence 1', () => {
    expect(twoThirds.evaluate([agrees('x', A), agrees('y', A), agrees('z', A)])).toEqual({
      kind: 'decided',
      digest: A,
      confidence: 1,
    });
  });

  test('2 of 3 with a dissenter meet a 66% threshold', () => {
    const outcome = twoThirds.evaluate([agrees('x', A), agrees('y', B), agrees('z', A)]);
    expect(outcome).toMatchObject({ kind: 'decided', digest: A });
    expect(outcome.kind === 'decided' && outcome.confidence).toBeCloseTo(2 / 3);
  });

  test('2 of 3 do not meet a 67% threshold', () => {
    const outcome = builtin('percentage', { threshold: 67 }).evaluate([
      agrees('x', A),
      agrees('y', B),
      agrees('z', A),
    ]);
    expect(outcome).toEqual({
      kind: 'declined',
      reason: '2 of 3 logs agree (66.7%), below the 67% threshold',
    });
  });

  test('a three-way split is undecided', () => {
    expect(twoThirds.evaluate([agrees('x', A), agrees('y', B), agrees('z', C)])).toMatchObject({
      kind: 'declined',
    });
  });

  test('an unavailable log counts in the denominator: 2 agreeing of 4 is 50%', () => {
    const outcome = twoThirds.evaluate([agrees('w', A), agrees('x', A), absent('y'), unavailable('z')]);
    expect(outcome).toEqual({
      kind: 'declined',
      reason: '2 of 4 logs agree (50.0%), below the 66% threshold',
    });
  });

  test('one answering log of three is 33%, not 100% (the Trustix bug)', () => {
    const outcome = builtin('percentage', { threshold: 50 }).evaluate([
      agrees('x', A),
      unavailable('y'),
      absent('z'),
    ]);
    expect(outcome).toMatchObject({
      kind: 'declined',
      reason: '1 of 3 logs agree (33.3%), below the 50% threshold',
    });
  });

  test('a tie for the top is undecided even when both meet the threshold', () => {
    const outcome = builtin('percentage', { threshold: 50 }).evaluate([
      agrees('w', A),
      agrees('x', A),
      agrees('y', B),
      agrees('z', B),
    ]);
    expect(outcome).toMatchObject({ kind: 'declined', reason: 'tie: several digests each have 2 of 4 logs' });
  });

  test('no entry anywhere is undecided', () => {
    expect(twoThirds.evaluate([absent('x'), unavailable('y')])).toMatchObject({
      kind: 'declined',
      reason: 'none of 2 logs has an entry',
    });
  });

  test('compromised logs stay in the count: the one log left of three is 33%, not 100%', () => {
    const outcome = twoThirds.evaluate([compromised('x'), agrees('y', A), compromised('z')]);
    expect(outcome).toEqual({
      kind: 'declined',
      reason: '1 of 3 logs agree (33.3%), below the 66% threshold',
    });
  });

  test('min_agreeing: an absolute count of agreeing logs on top of the threshold', () => {
    const policy = builtin('percentage', { threshold: 50, min_agreeing: 2 });
    expect(policy.evaluate([agrees('x', A)])).toEqual({
      kind: 'declined',
      reason: '1 of 1 logs agree, fewer than min_agreeing 2',
    });
    expect(policy.evaluate([agrees('x', A), agrees('y', A), agrees('z', B)])).toMatchObject({
      kind: 'decided',
      digest: A,
    });
    // Without it, one log of one is unanimous.
    expect(builtin('percentage', { threshold: 50 }).evaluate([agrees('x', A)])).toMatchObject({
      kind: 'decided',
    });
  });

  test('a min_agreeing that is not a whole number of at least 1 is refused at load', () => {
    for (const bad of [0, 1.5, '2', -1]) {
      expect(() => builtin('percentage', { threshold: 66, min_agreeing: bad })).toThrow(
        /param min_agreeing must be a whole number of logs, at least 1/,
      );
    }
  });

  test('a missing or out-of-range threshold is refused at load', () => {
    expect(() => builtin('percentage', {})).toThrow(/param threshold must be a number of percent/);
    expect(() => builtin('percentage', { threshold: 101 })).toThrow(/param threshold/);
    expect(() => builtin('percentage', { threshold: '66' })).toThrow(/param threshold/);
  });
});

describe('name-match.lua', () => {
  const trustY = builtin('name-match', { name: 'y' });

  test('takes what the named log says, with the share of logs that agree as confidence', () => {
    const outcome = trustY.evaluate([agrees('x', A), agrees('y', B), agrees('z', B), absent('w')]);
    expect(outcome).toEqual({ kind: 'decided', digest: B, confidence: 0.5 });
  });

  test('the named log absent is undecided', () => {
    expect(trustY.evaluate([agrees('x', A), absent('y')])).toEqual({
      kind: 'declined',
      reason: 'log "y" is absent',
    });
  });

  test('the named log unavailable is undecided', () => {
    expect(trustY.evaluate([agrees('x', A), unavailable('y')])).toMatchObject({
      reason: 'log "y" is unavailable',
    });
  });

  test('no vote from the named log is undecided', () => {
    expect(trustY.evaluate([agrees('x', A)])).toMatchObject({
      kind: 'declined',
      reason: expect.stringMatching(/no vote/),
    });
  });

  test('the named log compromised is undecided', () => {
    expect(trustY.evaluate([agrees('x', A), compromised('y')])).toMatchObject({
      kind: 'declined',
      reason: 'log "y" is compromised',
    });
  });

  test('min_agreeing: the named log needs that many logs holding its digest, itself included', () => {
    const policy = builtin('name-match', { name: 'y', min_agreeing: 2 });
    expect(policy.evaluate([agrees('x', A), agrees('y', B), compromised('z')])).toEqual({
      kind: 'declined',
      reason: '1 of 3 logs agree with log "y", fewer than min_agreeing 2',
    });
    expect(policy.evaluate([agrees('x', B), agrees('y', B), compromised('z')])).toMatchObject({
      kind: 'decided',
      digest: B,
    });
    expect(() => builtin('name-match', { name: 'y', min_agreeing: 0 })).toThrow(/param min_agreeing/);
  });

  test('a missing name is refused at load', () => {
    expect(() => builtin('name-match', {})).toThrow(/param name must be the name of a log/);
  });
});

describe('weighted.lua', () => {
  test('unanimous logs decide with confidence 1', () => {
    const outcome = builtin('weighted', { threshold: 60 }).evaluate([agrees('x', A, 2), agrees('y', A, 1)]);
    expect(outcome).toEqual({ kind: 'decided', digest: A, confidence: 1 });
  });

  test('one heavy log outweighs two light dissenters', () => {
    const votes = [agrees('x', A, 3), agrees('y', B, 1), agrees('z', B, 1)];
    const outcome = builtin('weighted', { threshold: 60 }).evaluate(votes);
    expect(outcome).toMatchObject({ kind: 'decided', digest: A });
    expect(outcome.kind === 'decided' && outcome.confidence).toBeCloseTo(0.6);
  });

  test('the threshold is a percentage of all weight, absent and unavailable logs included', () => {
    const votes = [agrees('x', A, 3), absent('y', 1), unavailable('z', 1)];
    expect(builtin('weighted', { threshold: 60 }).evaluate(votes)).toMatchObject({
      kind: 'decided',
      digest: A,
    });
    expect(builtin('weighted', { threshold: 61 }).evaluate(votes)).toEqual({
      kind: 'declined',
      reason: 'weight 3 of 5 agrees (60.0%), below the 61% threshold',
    });
  });

  test('compromised logs keep their weight in the total', () => {
    const votes = [agrees('x', A, 1), compromised('y', 2), compromised('z', 2)];
    expect(builtin('weighted', { threshold: 50 }).evaluate(votes)).toEqual({
      kind: 'declined',
      reason: 'weight 1 of 5 agrees (20.0%), below the 50% threshold',
    });
  });

  test('min_agreeing counts logs, not weight: one heavy log alone is not enough', () => {
    const votes = [agrees('x', A, 10), agrees('y', B, 1)];
    const policy = builtin('weighted', { threshold: 60, min_agreeing: 2 });
    expect(policy.evaluate(votes)).toEqual({
      kind: 'declined',
      reason: '1 of 2 logs agree, fewer than min_agreeing 2',
    });
    expect(policy.evaluate([...votes, agrees('z', A, 1)])).toMatchObject({ kind: 'decided', digest: A });
    expect(() => builtin('weighted', { threshold: 60, min_agreeing: 1.5 })).toThrow(/param min_agreeing/);
  });

  test('a three-way split is undecided', () => {
    const outcome = builtin('weighted', { threshold: 50 }).evaluate([
      agrees('x', A),
      agrees('y', B),
      agrees('z', C),
    ]);
    expect(outcome).toMatchObject({ kind: 'declined' });
  });

  test('a tie for the heaviest digest is undecided', () => {
    const outcome = builtin('weighted', { threshold: 40 }).evaluate([
      agrees('x', A, 2),
      agrees('y', B, 1),
      agrees('z', B, 1),
    ]);
    expect(outcome).toMatchObject({
      kind: 'declined',
      reason: 'tie: several digests each have weight 2 of 4',
    });
  });

  test('all weights zero is undecided', () => {
    const outcome = builtin('weighted', { threshold: 50 }).evaluate([agrees('x', A, 0)]);
    expect(outcome).toMatchObject({ kind: 'declined', reason: 'no voting log has any weight' });
  });
});
