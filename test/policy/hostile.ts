import { expect } from 'vitest';

import { loadPolicy, type Policy, type PolicyLimits } from '../../src/policy/index.js';
import { A, agrees } from './votes.js';

/** Votes that trigger the attack, and votes that do not. */
export const EVIL = [agrees('evil', A)];
export const GOOD = [agrees('good', A)];

/**
 * A policy that runs `attack` (line 3 of the chunk) when the first vote comes from log "evil", and
 * otherwise decides for the first vote's digest. It passes the load-time check (no votes).
 */
export function hostile(attack: string, limits?: Partial<PolicyLimits>): Policy {
  const source = [
    'return function(votes)',
    '  if votes[1] and votes[1].name == "evil" then',
    attack,
    '  end',
    '  if #votes == 0 then return nil, "no votes" end',
    '  return votes[1].digest, 1',
    'end',
  ].join('\n');
  return loadPolicy({ name: 'hostile', source, limits });
}

/** The attack leaves the votes undecided, for a reason that matches, and the policy then still works. */
export function expectContained(policy: Policy, reason: RegExp): void {
  const undecided = {
    kind: expect.stringMatching(/^(declined|failed)$/),
    reason: expect.stringMatching(reason),
  };
  expect(policy.evaluate(EVIL)).toMatchObject(undecided);
  expect(policy.evaluate(GOOD)).toEqual({ kind: 'decided', digest: A, confidence: 1 });
  expect(policy.evaluate(EVIL)).toMatchObject(undecided);
}
