import { InvalidArgumentError } from '../errors.js';
import type { Policy } from './policy.js';
import type { PolicyOutcome, Vote } from './types.js';
import { validateVotes } from './votes.js';

/** A policy in the chain that did not decide, and why. */
export interface Declined {
  policy: string;
  reason: string;
}

/**
 * The chain's outcome: the first policy that decided (`policy` names it), or, when none did,
 * `policy` names the whole chain ("a > b") and `reason` joins every policy's reason.
 * `declined` lists, in order, the policies tried before the decision (or all of them).
 */
export type ChainOutcome = PolicyOutcome & { declined: Declined[] };

/** Tries each policy in order until one decides: "two thirds must agree, else take what log X says". */
export function evaluateChain(chain: readonly Policy[], votes: readonly Vote[]): ChainOutcome {
  if (chain.length === 0) throw new InvalidArgumentError('a policy chain needs at least one policy');
  validateVotes(votes);
  const declined: Declined[] = [];
  for (const policy of chain) {
    const verdict = policy.verdict(votes);
    if (verdict.kind === 'decided') {
      return {
        decided: true,
        digest: verdict.digest,
        confidence: verdict.confidence,
        policy: policy.name,
        declined,
      };
    }
    declined.push({ policy: policy.name, reason: verdict.reason });
  }
  return {
    decided: false,
    reason: declined.map((step) => `${step.policy}: ${step.reason}`).join('; '),
    policy: chain.map((policy) => policy.name).join(' > '),
    declined,
  };
}
