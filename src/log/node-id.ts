import { bitLength } from './bits.js';

/**
 * A perfect subtree: the 2^level leaves [index * 2^level, (index + 1) * 2^level). Level 0 nodes are
 * leaf hashes. Storage keeps exactly these nodes, each written once when its last leaf arrives.
 */
export interface NodeId {
  level: number;
  index: number;
}

/** A leaf range [start, start + count). */
export interface LeafRange {
  start: number;
  count: number;
}

/**
 * The perfect subtrees that make up [start, start + count), largest first, one per set bit of
 * count. Requires start to be a multiple of the smallest power of two >= count, which holds for
 * every range produced by RFC 9162's recursive split (and for [0, size)). For such ranges the
 * MTH is the right fold of these subtrees: H(n1, H(n2, ... H(n_{k-1}, n_k))).
 */
export function decomposeRange({ start, count }: LeafRange): NodeId[] {
  const nodes: NodeId[] = [];
  let position = start;
  let remaining = count;
  while (remaining > 0) {
    const level = bitLength(remaining) - 1;
    const width = 2 ** level;
    if (position % width !== 0) {
      throw new Error(`internal: range [${start}, ${start + count}) is not aligned for decomposition`);
    }
    nodes.push({ level, index: position / width });
    position += width;
    remaining -= width;
  }
  return nodes;
}
