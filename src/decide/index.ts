/** Deciding: verified votes from followed logs -> Lua policy chain -> decided value. */
export { LOCAL_LOG_NAME } from './ballots.js';
export { Decider, type DecideOptions } from './decider.js';
export { loadPolicyChain } from './policy-chain.js';
export { decisionOf, policyVotes } from './tally-votes.js';
export type { Ballot, Decision, LogVoteReport } from './types.js';
