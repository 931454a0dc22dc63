/** Followed logs: verified heads, consistency, and fork / rollback evidence. */
export type { EvidenceRecord, StoredHead } from './evidence.js';
export { FollowedLog, type FollowState, type VerifiedHead } from './followed-log.js';
export { Follower, type ResetOutcome } from './follower.js';
export { consistencyFailure, judgeHead, type EvidenceKind, type HeadJudgement } from './head-check.js';
export { nextPollDelayMs } from './backoff.js';
