/** Lua voting policies: load and check them at start, then evaluate votes in a sandbox. */
export { BUILTIN_POLICIES, builtinPolicyFile, type BuiltinPolicy } from './builtins.js';
export { evaluateChain, type PolicyFailureObserver } from './chain.js';
export { DEFAULT_POLICY_LIMITS, type PolicyLimits } from './limits.js';
export { loadPolicy, Policy, type LoadPolicyOptions } from './policy.js';
export type { PolicyOutcome, PolicyParams, Vote, VoteStatus } from './types.js';
