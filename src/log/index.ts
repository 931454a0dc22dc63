/** RFC 9162 Merkle log core: hashing, leaf encoding, compact-range appends, proof plans, verifiers. */
export { EMPTY_ROOT, hashChildren, hashLeaf } from './hasher.js';
export { decodeLeaf, encodeLeaf, leafKeyLength } from './leaf.js';
export type { NodeId } from './node-id.js';
export {
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  type NodePlan,
  type RangeHashMemo,
} from './plan.js';
export { appendLeaves, frontierNodeIds, rootOfFrontier, type Frontier, type NewNode } from './frontier.js';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';
