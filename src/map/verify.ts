import { equalBytes } from '../crypto/equal-bytes.js';
import { VerificationError } from '../errors.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { EMPTY_HASH, mapLeafHash, mapNodeHashAt } from './hash.js';
import { PATH_BITS, assertDigest, mapPath, pathBit, sharePrefix } from './path.js';
import { bitmapMarksEmpty, proofShapeProblem } from './proof-shape.js';
import { PathSteps, rootOfPath } from '../crypto/merkle-path.js';
import type { MapProof, MapValue } from './types.js';

/** Depth down to which nodes are tracked by position (positions fit a safe integer). */
const TRACKED_DEPTH = 48;

/**
 * Verifies a map proof for `key` against a trusted map root.
 * Returns the key's value when the proof shows membership, null when it proves the key absent,
 * and throws VerificationError (saying why) when the proof is malformed, non-canonical, or does
 * not lead to `root`. `root` and `key` are the caller's own inputs: bad sizes there throw
 * InvalidArgumentError. (verify/verified-nodes.ts wraps this with a memo of nodes earlier proofs
 * verified.)
 */
export function verifyMapProof(root: Buffer, key: Uint8Array, proof: MapProof): MapValue | null {
  return verifyMapProofAt(root, mapPath(key), proof);
}

/** verifyMapProof for a key whose path (SHA-256 of the key) the caller already has. */
export function verifyMapProofAt(root: Buffer, path: Buffer, proof: MapProof): MapValue | null {
  const start = mapProofTerminalHash(root, path, proof);
  const computed = rootOfPath(start, mapPathSteps(path, proof), mapNodeHashAt);
  if (!equalBytes(computed, root)) {
    throw new VerificationError('map proof does not lead to the expected map root');
  }
  return mapProofValue(path, proof);
}

/**
 * Checks everything about a map proof for `path` but where its walk leads, and returns the hash
 * the walk starts from: the terminal's.
 */
export function mapProofTerminalHash(root: Buffer, path: Buffer, proof: MapProof): Uint8Array {
  assertDigest(root, 'map root');
  assertDigest(path, 'map path');

  const problem = proofShapeProblem(proof);
  if (problem !== undefined) throw new VerificationError(`malformed map proof: ${problem}`);
  const { depth, leaf } = proof;

  // The terminal must sit on the queried path and be where an honest tree puts it.
  if (leaf !== null && !sharePrefix(leaf.path, path, depth)) {
    throw new VerificationError(
      `map proof leaf is not on the queried path: its path does not share the first ${depth} bits`,
    );
  }
  if (leaf === null && depth === PATH_BITS) {
    throw new VerificationError('non-canonical map proof: an empty terminal cannot sit at depth 256');
  }
  if (depth > 0 && bitmapMarksEmpty(proof.emptyBitmap, depth - 1)) {
    throw new VerificationError(
      leaf === null
        ? `non-canonical map proof: empty terminal at depth ${depth} has an empty sibling (the parent would be empty)`
        : `non-canonical map proof: leaf at depth ${depth} has an empty sibling (it would have been collapsed upwards)`,
    );
  }

  return leaf === null ? EMPTY_HASH : mapLeafHash(leaf);
}

/** What a map proof whose walk led to the root shows: the key's value, or null for absence. */
export function mapProofValue(path: Buffer, proof: MapProof): MapValue | null {
  const leaf = proof.leaf;
  if (leaf === null || !equalBytes(leaf.path, path)) return null;
  return { logIndex: leaf.logIndex, valueDigest: Buffer.from(leaf.valueDigest) };
}

/**
 * The steps from a well-formed proof's terminal up to the root along `path`: at depth d the node's
 * position is the path's first d bits and its sibling differs in the last of them. Positions
 * deeper than TRACKED_DEPTH (2^48 keys apart) are not tracked.
 */
export function mapPathSteps(path: Buffer, proof: MapProof, steps = new PathSteps(proof.depth)): PathSteps {
  const top = path.readUIntBE(0, TRACKED_DEPTH / 8);
  steps.start(proof.siblings);
  // The packed siblings run from the root down and skip empty ones; the walk goes up.
  let next = proof.siblings.length - DIGEST_LENGTH;
  for (let d = proof.depth; d >= 1; d--) {
    const index = d <= TRACKED_DEPTH ? Math.floor(top / 2 ** (TRACKED_DEPTH - d)) : -1;
    let siblingAt = -1;
    if (!bitmapMarksEmpty(proof.emptyBitmap, d - 1)) {
      siblingAt = next;
      next -= DIGEST_LENGTH;
    }
    steps.push(d, index, pathBit(path, d - 1) === 0, siblingAt);
  }
  return steps;
}
