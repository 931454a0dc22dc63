/**
 * What one log says about a key. A compromised log (fork or rollback evidence) still votes, as
 * `compromised`: it counts as not agreeing, so proving logs bad never shrinks the quorum.
 */
export type VoteStatus = 'agrees' | 'absent' | 'unavailable' | 'compromised';

/**
 * One log's answer about one key, verified (or, for this node's own log, read from its store):
 * what the policies vote with, and one line of a decision.
 */
export interface Vote {
  logName: string;
  logId: string;
  /** Non-negative; used by weighted policies. */
  weight: number;
  status: VoteStatus;
  /** Hex SHA-256 of the value this log has for the key: set exactly when status is 'agrees'. */
  digest: string | null;
  /** What was verified (entry and size), or why the log is unavailable or compromised, in words. */
  detail?: string;
  /** The value, when this log's answer carried it (already checked to hash to `digest`). */
  value?: Buffer;
}

/**
 * A policy chain's decision over the votes about one key; every vote is in exactly one list.
 * `value` is the decided value, set by the decider once an agreeing log served it.
 */
export interface Decision {
  decided: boolean;
  /** Hex, as in the votes: set exactly when decided. */
  digest?: string;
  value?: Buffer;
  confidence: number;
  /** The policy that decided, or the whole chain ("a > b") when none did. */
  policy: string;
  agreeing: Vote[];
  /** With a decision: logs holding another digest. Without: every log holding some digest. */
  dissenting: Vote[];
  absent: Vote[];
  /** Unreachable, or the answer failed verification. */
  unavailable: Vote[];
  /** Proven to misbehave (fork or rollback evidence): counted in the vote, never as agreeing. */
  compromised: Vote[];
  reason: string;
}
