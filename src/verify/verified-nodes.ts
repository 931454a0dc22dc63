import { equalBytes } from '../crypto/equal-bytes.js';
import { hashStep, PathSteps, rootOfPath, WORDS_PER_HASH, type PairHasher } from '../crypto/merkle-path.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';
import { hashChildrenAt } from '../log/hasher.js';
import { inclusionPathSteps, verifyInclusion } from '../log/verify.js';
import { mapNodeHashAt } from '../map/hash.js';
import { mapPathSteps, mapProofTerminalHash, mapProofValue, verifyMapProofAt } from '../map/verify.js';
import type { MapProof, MapValue } from '../map/types.js';

/*
 * A memo of verified nodes at the read boundary, around the pure verifiers of log/ and map/ (the
 * idea of Go's sumdb/tlog TileHashReader: verified data is kept, the checks stay pure). A proof
 * verifies or fails here exactly as with the pure verifier; only the hashing done is less.
 */

/**
 * verifyInclusion (log/verify.ts), saving the hashing steps earlier proofs against `root` did.
 * `known` must belong to `root`.
 */
export function verifyInclusionKnown(
  known: VerifiedNodes,
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array,
  root: Uint8Array,
): void {
  known.assertFor(root, 'log');
  const steps = inclusionPathSteps(leafHash, index, size, proof, known.steps);
  // A walk that does not lead to the root: the pure verifier says why, in the same words.
  if (!equalBytes(known.walk(leafHash, steps, hashChildrenAt), root))
    verifyInclusion(leafHash, index, size, proof, root);
}

/**
 * verifyMapProofAt (map/verify.ts), saving the hashing steps earlier proofs against `root` did.
 * `known` must belong to `root`.
 */
export function verifyMapProofKnown(
  known: VerifiedNodes,
  root: Buffer,
  path: Buffer,
  proof: MapProof,
): MapValue | null {
  const start = mapProofTerminalHash(root, path, proof);
  known.assertFor(root, 'map');
  if (!equalBytes(known.walk(start, mapPathSteps(path, proof, known.steps), mapNodeHashAt), root))
    return verifyMapProofAt(root, path, proof);
  return mapProofValue(path, proof);
}

/** Default bound: 2^17 nodes of 32 bytes (4 MiB); past it the set starts over. */
const DEFAULT_MAX_NODES = 1 << 17;
const INITIAL_SLOTS = 1 << 10;

/**
 * Nodes of one tree, by position, taken from proofs that verified against its root: each is the
 * tree's real node there (anything else would be a SHA-256 collision). Proofs against one root
 * share the top of their paths, so `walk` hashes a proof only up to the first node it finds
 * here, and from there on checks each remaining sibling against the node at that position instead
 * of hashing. Every byte of every proof is still checked, so a proof verifies or fails exactly as
 * without this set (a tampered sibling never matches and the walk is redone by hashing).
 *
 * Hashes live in one growing slab, not in a Buffer each: a follower keeps tens of thousands of
 * them per log, and small Buffers kept alive made garbage collection a sixth of its CPU.
 * One set per tree and root: a log tree and a map tree number positions differently. Pure data.
 */
export class VerifiedNodes {
  private levels: Array<LevelSlots | undefined> = [];
  private slab = Buffer.alloc(INITIAL_SLOTS * DIGEST_LENGTH);
  private words = wordsOf(this.slab);
  private count = 0;
  /** The steps of the walk in progress: walks are synchronous, so one set is reused. */
  readonly steps = new PathSteps();
  /** The nodes the walk in progress hashed, by step, for recording once it verified. */
  private readonly hashedByStep: Uint8Array[] = [];

  constructor(
    readonly root: Buffer,
    private readonly maxNodes = DEFAULT_MAX_NODES,
  ) {}

  /** True when the 32 bytes at `at` in `bytes` are the verified node at (level, index). */
  has(level: number, index: number, bytes: Uint8Array, at = 0): boolean {
    const slot = this.slotOf(level, index);
    if (slot < 0 || bytes.length < at + DIGEST_LENGTH) return false;
    const slab = this.slab;
    for (let i = 0, o = slot * DIGEST_LENGTH; i < DIGEST_LENGTH; i++)
      if (slab[o + i] !== bytes[at + i]) return false;
    return true;
  }

  /**
   * `has` for a hash given as the 8 words at `wordAt` in `words`. Walks check a dozen siblings
   * each against known nodes, and comparing 8 words costs a fifth of comparing 32 bytes.
   */
  hasWords(level: number, index: number, words: Int32Array, wordAt: number): boolean {
    const slot = this.slotOf(level, index);
    if (slot < 0 || words.length < wordAt + WORDS_PER_HASH) return false;
    const known = this.words;
    for (let i = 0, o = slot * WORDS_PER_HASH; i < WORDS_PER_HASH; i++)
      if (known[o + i] !== words[wordAt + i]) return false;
    return true;
  }

  /** The slab slot of the node at (level, index), or -1. */
  private slotOf(level: number, index: number): number {
    return this.levels[level]?.get(index) ?? -1;
  }

  /**
   * Records the node at (level, index), the 32 bytes at `at` in `bytes`, of a proof that verified;
   * a known position keeps its node.
   */
  add(level: number, index: number, bytes: Uint8Array, at = 0): void {
    if (index < 0 || bytes.length < at + DIGEST_LENGTH) return;
    if (this.count >= this.maxNodes) {
      this.levels = [];
      this.count = 0;
    }
    const atLevel = (this.levels[level] ??= new LevelSlots());
    if (atLevel.get(index) >= 0) return;
    if ((this.count + 1) * DIGEST_LENGTH > this.slab.length) {
      const grown = Buffer.alloc(Math.min(this.slab.length * 2, this.maxNodes * DIGEST_LENGTH));
      this.slab.copy(grown);
      this.slab = grown;
      this.words = wordsOf(grown);
    }
    this.slab.set(bytes.subarray(at, at + DIGEST_LENGTH), this.count * DIGEST_LENGTH);
    atLevel.set(index, this.count++);
  }

  /**
   * The root a proof walk leads to from `node` (32 bytes) through `steps`, hashing each pair with
   * `hashPair`, but only up to the first node this set holds; the walk then leads to `root`
   * exactly when every remaining sibling is the node held at its position (else it is redone by
   * hashing). When the walk leads to `root`, the nodes and siblings it hashed are added.
   */
  walk(node: Uint8Array, steps: PathSteps, hashPair: PairHasher): Uint8Array {
    const hashedByStep = this.hashedByStep;
    let hash = node;
    let at = 0;
    const count = steps.length;
    for (; at < count; at++) {
      const index = steps.index[at]!;
      if (index >= 0 && this.has(steps.level[at]!, index, hash)) break;
      hashedByStep[at] = hash;
      hash = hashStep(steps, at, hash, hashPair);
    }
    if (at < count) {
      for (let above = at; above < count; above++) {
        const siblingIndex = steps.siblingIndex(above);
        const wordAt = steps.siblingOffset(above) >> 2;
        if (!this.hasWords(steps.level[above]!, siblingIndex, steps.siblingWordsOf(above), wordAt))
          return rootOfPath(node, steps, hashPair);
      }
      hash = this.root;
    } else if (!equalBytes(hash, this.root)) {
      return hash;
    }
    for (let i = 0; i < at; i++) {
      const level = steps.level[i]!;
      this.add(level, steps.index[i]!, hashedByStep[i]!);
      this.add(level, steps.siblingIndex(i), steps.siblingBytes(i), steps.siblingOffset(i));
    }
    return hash;
  }

  /** Throws unless this set belongs to `root` (a caller mixing roots is a bug, not bad input). */
  assertFor(root: Uint8Array, tree: string): void {
    if (!equalBytes(this.root, root))
      throw new InvalidArgumentError(`the ${tree} verified-node set belongs to another root`);
  }
}

/** A 32-bit word view of a slab (Buffer.alloc starts a slab at offset 0 of its own memory). */
function wordsOf(slab: Buffer): Int32Array {
  return new Int32Array(slab.buffer, slab.byteOffset, slab.length >> 2);
}

/** Indices below this are looked up in a growing array, others in a Map. */
const DENSE_INDICES = 1 << 16;

/**
 * The slab slots of one level by node index. Proof walks look a position up at every step, and
 * an array lookup is much cheaper than a Map's; the array grows with the largest index seen up to
 * DENSE_INDICES (256 KiB), so sparse high indices (deep map levels, big logs) go to a Map.
 */
class LevelSlots {
  /** slot + 1 by index; 0 means none. */
  private dense = new Int32Array(16);
  private sparse: Map<number, number> | undefined;

  /** The slot at `index`, or -1. */
  get(index: number): number {
    if (index < this.dense.length) return this.dense[index]! - 1;
    if (index < DENSE_INDICES) return -1;
    return this.sparse?.get(index) ?? -1;
  }

  set(index: number, slot: number): void {
    if (index >= DENSE_INDICES) {
      (this.sparse ??= new Map()).set(index, slot);
      return;
    }
    if (index >= this.dense.length) {
      let length = this.dense.length;
      while (length <= index) length *= 2;
      const grown = new Int32Array(length);
      grown.set(this.dense);
      this.dense = grown;
    }
    this.dense[index] = slot + 1;
  }
}
