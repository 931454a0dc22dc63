/** Lua voting policies: load and check them at start, then evaluate votes in a sandbox. */
export { builtinPolicyFile } from './builtins.js';
export { evaluateChain } from './chain.js';
export { type PolicyLimits } from './limits.js';
export { loadPolicy, Policy } from './policy.js';
export type { PolicyParams, Vote } from './types.js';
