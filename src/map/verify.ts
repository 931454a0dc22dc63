import { VerificationError } from '../errors.js';
import { EMPTY_HASH, isEmptyHash, mapLeafHash, mapNodeHash } from './hash.js';
import { PATH_BITS, assertDigest, mapPath, pathBit, sharePrefix } from './path.js';
import { expandSiblings, proofShapeProblem } from './proof-shape.js';
import type { MapProof, MapValue } from './types.js';

/**
 * Verifies a map proof for `key` against a trusted map root.
 * Returns the key's value when the proof shows membership, null when it proves the key absent,
 * and throws VerificationError (saying why) when the proof is malformed, non-canonical, or does
 * not lead to `root`. `root` and `key` are the caller's own inputs: bad sizes there throw
 * InvalidArgumentError.
 */
export function verifyMapProof(root: Buffer, key: Uint8Array, proof: MapProof): MapValue | null {
  assertDigest(root, 'map root');
  const path = mapPath(key);

  const problem = proofShapeProblem(proof);
  if (problem !== undefined) throw new VerificationError(`malformed map proof: ${problem}`);
  const siblings = expandSiblings(proof);
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
  if (depth > 0 && isEmptyHash(siblings[depth - 1]!)) {
    throw new VerificationError(
      leaf === null
        ? `non-canonical map proof: empty terminal at depth ${depth} has an empty sibling (the parent would be empty)`
        : `non-canonical map proof: leaf at depth ${depth} has an empty sibling (it would have been collapsed upwards)`,
    );
  }

  let hash = leaf === null ? EMPTY_HASH : mapLeafHash(leaf);
  for (let d = depth - 1; d >= 0; d--) {
    const sibling = siblings[d]!;
    hash = pathBit(path, d) === 0 ? mapNodeHash(hash, sibling) : mapNodeHash(sibling, hash);
  }
  if (!hash.equals(root)) {
    throw new VerificationError('map proof does not lead to the expected map root');
  }

  if (leaf === null || !leaf.path.equals(path)) return null;
  return { logIndex: leaf.logIndex, valueDigest: Buffer.from(leaf.valueDigest) };
}
