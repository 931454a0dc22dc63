import type { VoteStatus } from '../policy/index.js';

/** What one log said about a key, after verification. */
export interface Ballot {
  logId: string;
  name: string;
  weight: number;
  status: VoteStatus;
  /** Set exactly when status is 'agrees'. */
  digest?: Buffer;
  /** The value when the answer carried it (already checked to hash to digest). */
  value?: Buffer;
  /** Why the log is unavailable or compromised, or other details in words. */
  detail: string;
}

/** One log's line in a decision. */
export interface LogVoteReport {
  logId: string;
  name: string;
  digest?: Buffer;
  detail: string;
}

/** A policy chain's decision and the votes it was based on; every log is in exactly one list. */
export interface Decision {
  decided: boolean;
  digest?: Buffer;
  value?: Buffer;
  confidence: number;
  policy: string;
  agreeing: LogVoteReport[];
  /** With a decision: logs holding another digest. Without: every log holding some digest. */
  dissenting: LogVoteReport[];
  absent: LogVoteReport[];
  /** Unreachable, or the answer failed verification. */
  unavailable: LogVoteReport[];
  /** Proven to misbehave (fork or rollback evidence): counted in the vote, never as agreeing. */
  compromised: LogVoteReport[];
  reason: string;
}
