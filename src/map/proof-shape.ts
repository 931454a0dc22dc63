import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { allZero } from '../crypto/equal-bytes.js';
import { hashCount, hashListProblem } from '../crypto/hash-list.js';
import { PATH_BITS } from './path.js';
import type { MapProof } from './types.js';

/** Number of bitmap bytes for a proof of `depth` levels. */
export function bitmapLength(depth: number): number {
  return (depth + 7) >> 3;
}

/** True when the bitmap marks the sibling at depth i+1 as empty. */
export function bitmapMarksEmpty(bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
}

/** Number of set bits in the bitmap. */
export function countSetBits(bitmap: Uint8Array): number {
  let count = 0;
  for (const byte of bitmap) {
    for (let b = byte; b !== 0; b &= b - 1) count++;
  }
  return count;
}

/** True when bits past `depth` in the last bitmap byte are zero. */
export function paddingIsZero(bitmap: Uint8Array, depth: number): boolean {
  const rest = depth & 7;
  if (rest === 0) return true;
  return (bitmap[bitmap.length - 1]! & (0xff >> rest)) === 0;
}

/**
 * Why a proof is malformed in itself (sizes, counts, bitmap padding, field ranges), independent of
 * any key or root; undefined when it is well-formed. Callers wrap the reason in their error type.
 */
export function proofShapeProblem(proof: MapProof): string | undefined {
  const { depth, emptyBitmap, siblings, leaf } = proof;
  if (!Number.isInteger(depth) || depth < 0) return `depth must be a non-negative integer, got ${depth}`;
  if (depth > PATH_BITS) return `proof too long: depth ${depth} exceeds ${PATH_BITS}`;
  if (emptyBitmap.length !== bitmapLength(depth)) {
    return `empty bitmap must be ${bitmapLength(depth)} bytes for depth ${depth}, got ${emptyBitmap.length}`;
  }
  if (!paddingIsZero(emptyBitmap, depth)) return 'empty bitmap has non-zero padding bits';
  const listProblem = hashListProblem(siblings, 'the sibling list');
  if (listProblem !== undefined) return listProblem;
  const expected = depth - countSetBits(emptyBitmap);
  if (hashCount(siblings) !== expected) {
    return `expected ${expected} non-empty siblings for depth ${depth} and its bitmap, got ${hashCount(siblings)}`;
  }
  for (let i = 0; i < expected; i++) {
    // Empty siblings are only ever expressed in the bitmap, so each proof has one encoding.
    if (allZero(siblings, i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH))
      return `sibling ${i} is the empty hash but is not flagged in the bitmap`;
  }
  if (leaf !== null) {
    if (leaf.path.length !== DIGEST_LENGTH)
      return `leaf path must be ${DIGEST_LENGTH} bytes, got ${leaf.path.length}`;
    if (leaf.valueDigest.length !== DIGEST_LENGTH) {
      return `leaf value digest must be ${DIGEST_LENGTH} bytes, got ${leaf.valueDigest.length}`;
    }
    if (!Number.isSafeInteger(leaf.logIndex) || leaf.logIndex < 0) {
      return `leaf log index must be a non-negative safe integer, got ${leaf.logIndex}`;
    }
  }
  return undefined;
}
