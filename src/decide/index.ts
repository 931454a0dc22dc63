/** Deciding: every voting log's verified vote -> Lua policy chain -> decided value. */
export { Decider, type DecideObserver } from './decider.js';
export { loadPolicyChain } from './policy-chain.js';
export type { VotingLog } from './voting-log.js';
export type { Decision, Vote } from '../vote/vote.js';
