import { describe, expect, test } from 'vitest';

import { builtinPolicyFile, evaluateChain, loadPolicy } from '../../src/policy/index.js';
import { A, absent, agrees, B, unavailable } from './votes.js';

// "Two thirds must agree, else take what log y says."
const twoThirds = loadPolicy({
  name: 'two-thirds',
  file: builtinPolicyFile('percentage'),
  params: { threshold: 66 },
});
const trustY = loadPolicy({ name: 'trust-y', file: builtinPolicyFile('name-match'), params: { name: 'y' } });
const chain = [twoThirds, trustY];

describe('evaluateChain', () => {
  test('the first policy decides: the second is not consulted', () => {
    expect(evaluateChain(chain, [agrees('x', A), agrees('y', B), agrees('z', A)])).toEqual({
      decided: true,
      digest: A,
      confidence: 2 / 3,
      policy: 'two-thirds',
      declined: [],
    });
  });

  test('the first is undecided, the second decides', () => {
    expect(evaluateChain(chain, [agrees('x', A), agrees('y', B), unavailable('z')])).toEqual({
      decided: true,
      digest: B,
      confidence: 1 / 3,
      policy: 'trust-y',
      declined: [{ policy: 'two-thirds', reason: 'tie: several digests each have 1 of 3 logs' }],
    });
  });

  test('none decides: the reasons of all are collected', () => {
    expect(evaluateChain(chain, [agrees('x', A), absent('y'), unavailable('z')])).toEqual({
      decided: false,
      policy: 'two-thirds > trust-y',
      reason: 'two-thirds: 1 of 3 logs agree (33.3%), below the 66% threshold; trust-y: log "y" is absent',
      declined: [
        { policy: 'two-thirds', reason: '1 of 3 logs agree (33.3%), below the 66% threshold' },
        { policy: 'trust-y', reason: 'log "y" is absent' },
      ],
    });
  });

  test('a failing policy falls through to the next', () => {
    const broken = loadPolicy({
      name: 'broken',
      source: 'return function(votes) if #votes > 0 then error("bug") end return nil, "no votes" end',
    });
    expect(evaluateChain([broken, trustY], [agrees('y', A)])).toMatchObject({
      decided: true,
      policy: 'trust-y',
      declined: [{ policy: 'broken', reason: 'error: broken:1: bug' }],
    });
  });

  test('an empty chain is a configuration error', () => {
    expect(() => evaluateChain([], [])).toThrow(/at least one policy/);
  });
});
