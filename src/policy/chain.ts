import { InvalidArgumentError } from '../errors.js';
import type { Decision, Vote } from '../vote/vote.js';
import type { Policy } from './policy.js';
import { validateVotes } from './votes.js';

/** Told of each policy evaluation that failed (an error, a malformed result) or was stopped by a limit. */
export type PolicyFailureObserver = (policy: string, stopped: boolean) => void;

/**
 * Tries each policy in order until one decides: "two thirds must agree, else take what log X says".
 * The decision names the policy that decided, or, when none did, the whole chain
 * ("a > b") with every policy's reason. Its value is left for the caller to fetch.
 */
export function evaluateChain(
  chain: readonly Policy[],
  votes: readonly Vote[],
  onFailure?: PolicyFailureObserver,
): Decision {
  if (chain.length === 0) throw new InvalidArgumentError('a policy chain needs at least one policy');
  validateVotes(votes);
  const declined: Array<{ policy: string; reason: string }> = [];
  for (const policy of chain) {
    const verdict = policy.verdict(votes);
    if (verdict.kind === 'decided') {
      const agree = votes.filter((v) => v.status === 'agrees' && v.digest === verdict.digest).length;
      const reason =
        declined.map((d) => `${d.policy} declined: ${d.reason}; `).join('') +
        `${policy.name} decided: ${agree} of ${votes.length} voting logs hold the digest`;
      return sorted(votes, verdict.digest, verdict.confidence, policy.name, reason);
    }
    if (verdict.kind === 'failed') onFailure?.(policy.name, verdict.stopped);
    declined.push({ policy: policy.name, reason: verdict.reason });
  }
  const reason = declined.map((d) => `${d.policy}: ${d.reason}`).join('; ');
  return sorted(votes, undefined, 0, chain.map((policy) => policy.name).join(' > '), reason);
}

/** The decision with every vote sorted into agreeing, dissenting, absent, unavailable or compromised. */
function sorted(
  votes: readonly Vote[],
  digest: string | undefined,
  confidence: number,
  policy: string,
  reason: string,
): Decision {
  const decision: Decision = {
    decided: digest !== undefined,
    digest,
    confidence,
    policy,
    agreeing: [],
    dissenting: [],
    absent: [],
    unavailable: [],
    compromised: [],
    reason,
  };
  for (const vote of votes) {
    if (vote.status === 'compromised') decision.compromised.push(vote);
    else if (vote.status === 'unavailable') decision.unavailable.push(vote);
    else if (vote.status === 'absent') decision.absent.push(vote);
    else if (vote.digest === digest) decision.agreeing.push(vote);
    else decision.dissenting.push(vote);
  }
  return decision;
}
