import { DIGEST_LENGTH, sha256, sha256Concat } from '../crypto/sha256.js';

/** RFC 9162 section 2.1.1 domain separation: leaves and interior nodes can never collide. */
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH of the empty tree: SHA-256 of the empty string. Shared; never mutate it. */
export const EMPTY_ROOT: Buffer = sha256(new Uint8Array(0));

/** Leaf hash: SHA-256(0x00 || leafData). */
export function hashLeaf(leafData: Uint8Array): Buffer {
  return sha256Concat(LEAF_PREFIX, leafData);
}

// Reused input buffer for the common case of two 32-byte children: appends hash millions of nodes,
// and this saves a Buffer.concat allocation per node. Safe because hashing is synchronous.
const childrenInput = Buffer.alloc(1 + 2 * DIGEST_LENGTH);
childrenInput[0] = 0x01;

/** Interior node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === DIGEST_LENGTH && right.length === DIGEST_LENGTH) {
    childrenInput.set(left, 1);
    childrenInput.set(right, 1 + DIGEST_LENGTH);
    return sha256(childrenInput);
  }
  return sha256Concat(NODE_PREFIX, left, right);
}
