import { allZero } from '../crypto/equal-bytes.js';
import { DIGEST_LENGTH, sha256, sha256Pair } from '../crypto/sha256.js';
import type { MapLeaf } from './types.js';
import { writeU64BE } from './u64.js';

// Domain separation: the log uses 0x00 (leaf) and 0x01 (node); the map continues with 0x02, 0x03.
export const MAP_LEAF_PREFIX = 0x02;
export const MAP_NODE_PREFIX = 0x03;

/** Hash of an empty subtree at any depth: 32 zero bytes. */
export const EMPTY_HASH: Buffer = Buffer.alloc(DIGEST_LENGTH);

export const LEAF_PREIMAGE_LENGTH = 1 + DIGEST_LENGTH + 8 + DIGEST_LENGTH;
export const NODE_PREIMAGE_LENGTH = 1 + 2 * DIGEST_LENGTH;

/** 0x02 || path(32) || u64be(logIndex) || valueDigest(32). */
export function leafPreimage(leaf: MapLeaf): Buffer {
  const out = Buffer.allocUnsafe(LEAF_PREIMAGE_LENGTH);
  out[0] = MAP_LEAF_PREFIX;
  leaf.path.copy(out, 1);
  writeU64BE(out, leaf.logIndex, 1 + DIGEST_LENGTH);
  leaf.valueDigest.copy(out, 1 + DIGEST_LENGTH + 8);
  return out;
}

/** 0x03 || left(32) || right(32). */
export function nodePreimage(left: Uint8Array, right: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(NODE_PREIMAGE_LENGTH);
  out[0] = MAP_NODE_PREFIX;
  out.set(left, 1);
  out.set(right, 1 + DIGEST_LENGTH);
  return out;
}

export function mapLeafHash(leaf: MapLeaf): Buffer {
  return sha256(leafPreimage(leaf));
}

export function mapNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return mapNodeHashAt(left, 0, right, 0);
}

/** mapNodeHash of two 32-byte hashes read at the given offsets (for walks over packed proofs). */
export function mapNodeHashAt(left: Uint8Array, leftAt: number, right: Uint8Array, rightAt: number): Buffer {
  return sha256Pair(MAP_NODE_PREFIX, left, leftAt, right, rightAt);
}

export function isEmptyHash(hash: Uint8Array): boolean {
  return hash.length === DIGEST_LENGTH && allZero(hash);
}
