export type { Vote, VoteStatus } from '../vote/vote.js';

export type PolicyParams = Record<string, string | number | boolean | string[]>;

/** What one policy said about the votes (Policy.evaluate). A chain's answer is a Decision. */
export type PolicyOutcome =
  | { decided: true; digest: string; confidence: number; policy: string }
  | { decided: false; reason: string; policy: string };

/** A value digest as votes and policies spell it: 64 lowercase hex digits. */
export const DIGEST_HEX = /^[0-9a-f]{64}$/;
