/**
 * What one followed log says about a key. A compromised log (fork or rollback evidence) still
 * votes, as `compromised`: it counts as not agreeing, so proving logs bad never shrinks the quorum.
 */
export type VoteStatus = 'agrees' | 'absent' | 'unavailable' | 'compromised';

export interface Vote {
  logName: string;
  logId: string;
  /** Non-negative; used by weighted policies. */
  weight: number;
  status: VoteStatus;
  /** Hex SHA-256 of the value this log has for the key: set exactly when status is 'agrees'. */
  digest: string | null;
}

export type PolicyParams = Record<string, string | number | boolean | string[]>;

export type PolicyOutcome =
  | { decided: true; digest: string; confidence: number; policy: string }
  | { decided: false; reason: string; policy: string };

/** A value digest as votes and policies spell it: 64 lowercase hex digits. */
export const DIGEST_HEX = /^[0-9a-f]{64}$/;
