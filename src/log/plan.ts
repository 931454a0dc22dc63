import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';
import { requireCount } from './bits.js';
import { EMPTY_ROOT, hashChildren } from './hasher.js';
import { decomposeRange, type LeafRange, type NodeId } from './node-id.js';
import { consistencyProofRanges, inclusionProofRanges } from './proof-ranges.js';

/**
 * What storage must read to answer a query, and how to finish it. Storage fetches hashes[i] for
 * nodes[i] (all complete subtrees of the tree at the queried size, no duplicates) in one bulk read,
 * then calls assemble, which only hashes.
 */
export interface NodePlan<T> {
  nodes: NodeId[];
  assemble(hashes: Buffer[]): T;
}

/** MTH(D[0:size]); EMPTY_ROOT for size 0. */
export function planRoot(size: number): NodePlan<Buffer> {
  requireCount('tree size', size);
  if (size === 0) {
    return {
      nodes: [],
      assemble: (hashes) => {
        checkHashes(hashes, []);
        return Buffer.from(EMPTY_ROOT);
      },
    };
  }
  const plan = planRangeHashes([{ start: 0, count: size }]);
  return { nodes: plan.nodes, assemble: (hashes) => plan.assemble(hashes)[0] as Buffer };
}

/**
 * Hashes of ranges that are not one perfect subtree (the right edge of a tree), by "start+count".
 * A range's hash never changes once the range is inside the log, so a store may keep one memo for
 * its whole life; plans only read and add entries.
 */
export type RangeHashMemo = Map<string, Buffer>;

/** Most entries a RangeHashMemo holds before a plan starts it over. */
const RANGE_MEMO_LIMIT = 4096;

/**
 * RFC 9162 2.1.3.1 inclusion proof PATH(index, D[0:size]), ordered leaf to root. With `memo`,
 * right-edge ranges hashed before are taken from it instead of being read and hashed again.
 */
export function planInclusionProof(index: number, size: number, memo?: RangeHashMemo): NodePlan<Buffer[]> {
  requireCount('leaf index', index);
  requireCount('tree size', size);
  if (index >= size) {
    throw new InvalidArgumentError(`leaf index ${index} is out of range for tree size ${size}`);
  }
  return planRangeHashes(inclusionProofRanges(index, size), memo);
}

/** RFC 9162 2.1.4.1 consistency proof PROOF(m, D[0:n]) for 0 < m <= n ([] when m == n). */
export function planConsistencyProof(m: number, n: number): NodePlan<Buffer[]> {
  requireCount('old tree size', m);
  requireCount('new tree size', n);
  if (m === 0) throw new InvalidArgumentError('old tree size must be at least 1 for a consistency proof');
  if (m > n) {
    throw new InvalidArgumentError(`old tree size ${m} is larger than new tree size ${n}`);
  }
  return planRangeHashes(consistencyProofRanges(m, n));
}

/**
 * Plans the MTH of each range, composing a range that is not a perfect subtree from its parts.
 * Every caller's ranges are disjoint (RFC 9162 proofs are made of disjoint subtrees), so no node
 * is planned twice.
 */
function planRangeHashes(ranges: LeafRange[], memo?: RangeHashMemo): NodePlan<Buffer[]> {
  const nodes: NodeId[] = [];
  const memoKey = ({ start, count }: LeafRange) => `${start}+${count}`;
  const partsPerRange = ranges.map((range): number[] | Buffer => {
    const parts = decomposeRange(range);
    const remembered = parts.length > 1 ? memo?.get(memoKey(range)) : undefined;
    if (remembered) return remembered;
    return parts.map((node) => nodes.push(node) - 1);
  });
  return {
    nodes,
    assemble(hashes) {
      checkHashes(hashes, nodes);
      return partsPerRange.map((parts, i) => {
        if (Buffer.isBuffer(parts)) return Buffer.from(parts);
        const hash = foldRight(parts, hashes);
        if (memo && parts.length > 1) {
          if (memo.size >= RANGE_MEMO_LIMIT) memo.clear();
          memo.set(memoKey(ranges[i]!), Buffer.from(hash));
        }
        return hash;
      });
    },
  };
}

/** H(h[s0], H(h[s1], ... h[s_last])): the MTH of consecutive perfect subtrees, largest first. */
function foldRight(slots: number[], hashes: Buffer[]): Buffer {
  let slot = slots.length - 1;
  let acc = hashes[slots[slot] as number] as Buffer;
  for (slot--; slot >= 0; slot--) acc = hashChildren(hashes[slots[slot] as number] as Buffer, acc);
  return acc;
}

function checkHashes(hashes: Buffer[], nodes: NodeId[]): void {
  if (hashes.length !== nodes.length) {
    throw new InvalidArgumentError(`plan needs ${nodes.length} node hashes, got ${hashes.length}`);
  }
  nodes.forEach((node, i) => {
    const hash = hashes[i];
    if (hash === undefined || hash.length !== DIGEST_LENGTH) {
      throw new InvalidArgumentError(
        `hash of node level ${node.level} index ${node.index} must be ${DIGEST_LENGTH} bytes, got ${hash?.length}`,
      );
    }
  });
}
