import { VerificationError } from '../errors.js';
import { EMPTY_HASH, isEmptyHash, mapLeafHash, mapNodeHash } from './hash.js';
import { PATH_BITS, assertDigest, mapPath, pathBit, sharePrefix } from './path.js';
import { expandSiblings, proofShapeProblem } from './proof-shape.js';
import type { HashStep, NodeHashMemo } from '../verify/node-hash-memo.js';
import type { MapProof, MapValue } from './types.js';

/** Depth down to which hashing steps are remembered (positions fit a safe integer). */
const MEMO_DEPTH = 48;

/**
 * Verifies a map proof for `key` against a trusted map root.
 * Returns the key's value when the proof shows membership, null when it proves the key absent,
 * and throws VerificationError (saying why) when the proof is malformed, non-canonical, or does
 * not lead to `root`. `root` and `key` are the caller's own inputs: bad sizes there throw
 * InvalidArgumentError.
 *
 * `memo` (see NodeHashMemo) saves hashing steps earlier proofs against `root` already did; the
 * outcome is the same with or without it.
 */
export function verifyMapProof(
  root: Buffer,
  key: Uint8Array,
  proof: MapProof,
  memo?: NodeHashMemo,
): MapValue | null {
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
  memo?.assertFor(root, 'map');
  // Positions are numbered by the path's first MEMO_DEPTH bits; deeper steps (2^48 keys away)
  // are simply not remembered.
  const top = memo ? path.readUIntBE(0, MEMO_DEPTH / 8) : 0;
  const steps: HashStep[] = [];
  for (let d = depth; d >= 1; d--) {
    // `hash` is the node at depth d on the path; its sibling there is siblings[d - 1].
    const sibling = siblings[d - 1]!;
    const index = memo && d <= MEMO_DEPTH ? Math.floor(top / 2 ** (MEMO_DEPTH - d)) : -1;
    const node = hash;
    const remembered = index >= 0 ? memo!.parentOf(d, index, node, sibling) : undefined;
    if (remembered) {
      hash = remembered;
      continue;
    }
    hash = pathBit(path, d - 1) === 0 ? mapNodeHash(node, sibling) : mapNodeHash(sibling, node);
    if (index >= 0) steps.push({ level: d, index, node, sibling, parent: hash });
  }
  if (!hash.equals(root)) {
    throw new VerificationError('map proof does not lead to the expected map root');
  }
  memo?.remember(steps);

  if (leaf === null || !leaf.path.equals(path)) return null;
  return { logIndex: leaf.logIndex, valueDigest: Buffer.from(leaf.valueDigest) };
}
