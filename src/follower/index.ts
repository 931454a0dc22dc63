/** Followed logs: verified heads, consistency, and fork / rollback evidence. */
export { Follower } from './follower.js';
export { consistencyFailure, judgeHead } from './head-check.js';
export { nextPollDelayMs } from './backoff.js';
