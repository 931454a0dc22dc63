export type { Vote, VoteStatus } from '../vote/vote.js';

export type PolicyParams = Record<string, string | number | boolean | string[]>;

/** A value digest as votes and policies spell it: 64 lowercase hex digits. */
export const DIGEST_HEX = /^[0-9a-f]{64}$/;
