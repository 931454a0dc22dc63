import type { KeyHashes } from '../verify/key-hashes.js';
import type { Vote } from '../vote/vote.js';

/** A log whose votes decide: a followed log (FollowedLog) or this node's own (LocalVotes). */
export interface VotingLog {
  readonly id: string;
  readonly name: string;
  readonly compromised: boolean;
  /**
   * The log's verified vote about `key`; never throws (what fails makes the vote unavailable).
   * `hashes` are `key`'s, shared by every log's answer about it; `withValue`: the answer should
   * carry the value.
   */
  verifiedLookup(key: Buffer, hashes: KeyHashes, withValue: boolean): Promise<Vote>;
  /** The value with `digest` as the log serves it: unverified, the caller checks its hash. */
  value(digest: Buffer): Promise<Buffer | undefined>;
}
