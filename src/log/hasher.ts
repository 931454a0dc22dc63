import { DIGEST_LENGTH, sha256, sha256Concat, sha256Pair } from '../crypto/sha256.js';

/** RFC 9162 section 2.1.1 domain separation: leaves and interior nodes can never collide. */
const LEAF_PREFIX = Uint8Array.of(0x00);
const LOG_NODE_PREFIX = 0x01;
const NODE_PREFIX = Uint8Array.of(LOG_NODE_PREFIX);

/** MTH of the empty tree: SHA-256 of the empty string. Shared; never mutate it. */
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

/** Leaf hash: SHA-256(0x00 || leafData). */
export function hashLeaf(leafData: Uint8Array): Buffer {
  return sha256Concat(LEAF_PREFIX, leafData);
}

/** Interior node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === DIGEST_LENGTH && right.length === DIGEST_LENGTH)
    return hashChildrenAt(left, 0, right, 0);
  return sha256Concat(NODE_PREFIX, left, right);
}

/** hashChildren of two 32-byte hashes read at the given offsets (for walks over packed proofs). */
export function hashChildrenAt(left: Uint8Array, leftAt: number, right: Uint8Array, rightAt: number): Buffer {
  return sha256Pair(LOG_NODE_PREFIX, left, leftAt, right, rightAt);
}
