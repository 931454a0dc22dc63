import type { ChainOutcome, Vote } from '../policy/index.js';
import type { Ballot, Decision, LogVoteReport } from './types.js';

/*
 * Pure steps between verified ballots and a decision: which ballots become policy votes, and how
 * the policy's outcome sorts the logs into agreeing, dissenting, absent, unavailable and compromised.
 */

/** The votes a policy sees: every ballot, compromised ones included (as never agreeing). */
export function policyVotes(ballots: readonly Ballot[]): Vote[] {
  return ballots.map((b) => ({
    logName: b.name,
    logId: b.logId,
    weight: b.weight,
    status: b.status,
    digest: b.status === 'agrees' ? b.digest!.toString('hex') : null,
  }));
}

const report = (b: Ballot): LogVoteReport => ({
  logId: b.logId,
  name: b.name,
  digest: b.digest,
  detail: b.detail,
});

/** Sorts the ballots by the chain's outcome; the value is filled in by the caller. */
export function decisionOf(ballots: readonly Ballot[], outcome: ChainOutcome): Decision {
  const decidedDigest = outcome.decided ? Buffer.from(outcome.digest, 'hex') : undefined;
  const decision: Decision = {
    decided: outcome.decided,
    digest: decidedDigest,
    confidence: outcome.decided ? outcome.confidence : 0,
    policy: outcome.policy,
    agreeing: [],
    dissenting: [],
    absent: [],
    unavailable: [],
    compromised: [],
    reason: outcome.decided ? decidedReason(outcome, ballots) : outcome.reason,
  };
  for (const ballot of ballots) {
    if (ballot.status === 'compromised') decision.compromised.push(report(ballot));
    else if (ballot.status === 'unavailable') decision.unavailable.push(report(ballot));
    else if (ballot.status === 'absent') decision.absent.push(report(ballot));
    else if (decidedDigest && ballot.digest!.equals(decidedDigest)) decision.agreeing.push(report(ballot));
    else decision.dissenting.push(report(ballot));
  }
  return decision;
}

function decidedReason(outcome: ChainOutcome & { decided: true }, ballots: readonly Ballot[]): string {
  const agree = ballots.filter(
    (b) => b.status === 'agrees' && b.digest!.toString('hex') === outcome.digest,
  ).length;
  const declined = outcome.declined.map((d) => `${d.policy} declined: ${d.reason}; `).join('');
  return `${declined}${outcome.policy} decided: ${agree} of ${ballots.length} voting logs hold the digest`;
}

/** The same decision without a value, for when no agreeing log could serve it. */
export function undecidedForMissingValue(decision: Decision): Decision {
  const hex = decision.digest!.toString('hex');
  return {
    ...decision,
    decided: false,
    digest: undefined,
    confidence: 0,
    dissenting: [...decision.agreeing, ...decision.dissenting],
    agreeing: [],
    reason: `${decision.policy} decided ${hex}, but no agreeing log served a value with that digest`,
  };
}
