import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';
import { popCount, requireCount } from './bits.js';
import { EMPTY_ROOT, hashChildren } from './hasher.js';
import { decomposeRange, type NodeId } from './node-id.js';

/**
 * The compact range of [0, size): hashes of the perfect subtrees frontierNodeIds(size), largest
 * first. It is all an appender needs to keep in memory to extend the tree and compute its root.
 */
export interface Frontier {
  size: number;
  hashes: Buffer[];
}

/** A complete subtree finished by an append, to be written to storage once. */
export interface NewNode extends NodeId {
  hash: Buffer;
}

export interface AppendResult {
  frontier: Frontier;
  newNodes: NewNode[];
}

/** The perfect subtrees covering [0, size), largest first (one per set bit of size). */
export function frontierNodeIds(size: number): NodeId[] {
  requireCount('tree size', size);
  return decomposeRange({ start: 0, count: size });
}

/**
 * Appends leaves to the tree. newNodes lists every node that became complete, in append order:
 * each leaf hash (level 0) followed by the interior nodes it completes, bottom up. The input
 * frontier is not modified.
 */
export function appendLeaves(frontier: Frontier, leafHashes: Buffer[]): AppendResult {
  checkFrontier(frontier);
  if (frontier.size + leafHashes.length > Number.MAX_SAFE_INTEGER) {
    throw new InvalidArgumentError(
      `appending ${leafHashes.length} leaves would exceed the maximum tree size`,
    );
  }
  // The frontier as a stack: the top is the smallest (rightmost) subtree. A new leaf merges with
  // the top once per trailing one bit of the old size, exactly like incrementing a binary counter.
  const stack = frontier.hashes.slice();
  const newNodes: NewNode[] = [];
  let size = frontier.size;
  for (const leafHash of leafHashes) {
    if (leafHash.length !== DIGEST_LENGTH) {
      throw new InvalidArgumentError(
        `leaf hash ${size} must be ${DIGEST_LENGTH} bytes, got ${leafHash.length}`,
      );
    }
    newNodes.push({ level: 0, index: size, hash: leafHash });
    let hash = leafHash;
    let level = 0;
    let index = size;
    while (index % 2 === 1) {
      hash = hashChildren(stack.pop() as Buffer, hash);
      level++;
      index = (index - 1) / 2;
      newNodes.push({ level, index, hash });
    }
    stack.push(hash);
    size++;
  }
  return { frontier: { size, hashes: stack }, newNodes };
}

/** MTH(D[0:size]) from the frontier: the right fold of its subtrees; EMPTY_ROOT for size 0. */
export function rootOfFrontier(frontier: Frontier): Buffer {
  checkFrontier(frontier);
  const { hashes } = frontier;
  if (hashes.length === 0) return Buffer.from(EMPTY_ROOT);
  let i = hashes.length - 1;
  let root = hashes[i] as Buffer;
  for (i--; i >= 0; i--) root = hashChildren(hashes[i] as Buffer, root);
  return root;
}

function checkFrontier({ size, hashes }: Frontier): void {
  requireCount('frontier size', size);
  const expected = popCount(size);
  if (hashes.length !== expected) {
    throw new InvalidArgumentError(
      `frontier of size ${size} must have ${expected} hashes, got ${hashes.length}`,
    );
  }
  for (const hash of hashes) {
    if (hash.length !== DIGEST_LENGTH) {
      throw new InvalidArgumentError(`frontier hash must be ${DIGEST_LENGTH} bytes, got ${hash.length}`);
    }
  }
}
