import { equalBytes } from '../crypto/equal-bytes.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * One step of a proof walk from a leaf towards the root: the node at (level, index) meets
 * `sibling`, its neighbour at (level, index + 1) when the node is the left one, else at
 * (level, index - 1). An index of -1 means the position is not tracked (map depths past 48);
 * such steps are always hashed.
 */
export interface PathStep {
  level: number;
  index: number;
  nodeIsLeft: boolean;
  sibling: Uint8Array;
}

const siblingIndex = (step: PathStep): number =>
  step.index < 0 ? -1 : step.nodeIsLeft ? step.index + 1 : step.index - 1;

/** Default bound: 2^17 nodes of 32 bytes (4 MiB); past it the set starts over. */
const DEFAULT_MAX_NODES = 1 << 17;
const INITIAL_SLOTS = 1 << 10;

/**
 * Nodes of one tree, by position, taken from proofs that verified against its root: each is the
 * tree's real node there (anything else would be a SHA-256 collision). Proofs against one root
 * share the top of their paths, so `walkToRoot` hashes a proof only up to the first node it finds
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
  private count = 0;

  constructor(
    readonly root: Buffer,
    private readonly maxNodes = DEFAULT_MAX_NODES,
  ) {}

  /** True when `hash` is the verified node at (level, index). */
  has(level: number, index: number, hash: Uint8Array): boolean {
    const slot = this.levels[level]?.get(index) ?? -1;
    if (slot < 0 || hash.length !== DIGEST_LENGTH) return false;
    const slab = this.slab;
    const offset = slot * DIGEST_LENGTH;
    for (let i = 0; i < DIGEST_LENGTH; i++) if (slab[offset + i] !== hash[i]) return false;
    return true;
  }

  /** Records the node at (level, index) of a proof that verified; a known position keeps its node. */
  add(level: number, index: number, hash: Uint8Array): void {
    if (index < 0 || hash.length !== DIGEST_LENGTH) return;
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
    }
    this.slab.set(hash, this.count * DIGEST_LENGTH);
    atLevel.set(index, this.count++);
  }

  /** Throws unless this set belongs to `root` (a caller mixing roots is a bug, not bad input). */
  assertFor(root: Uint8Array, tree: string): void {
    if (!equalBytes(this.root, root))
      throw new InvalidArgumentError(`the ${tree} verified-node set belongs to another root`);
  }
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

/**
 * The root a proof walk leads to from `node` through `steps`. With `known`, hashing stops at the
 * first node `known` holds; the walk then leads to `known.root` exactly when every remaining
 * sibling is the node `known` holds at its position (else the walk is redone by hashing). When the
 * walk leads to `known.root`, the nodes and siblings it hashed are added to `known`.
 */
export function walkToRoot(
  node: Buffer,
  steps: readonly PathStep[],
  hashPair: (left: Uint8Array, right: Uint8Array) => Buffer,
  known?: VerifiedNodes,
): Buffer {
  let hash = node;
  const hashed: Buffer[] = [];
  let at = 0;
  for (; at < steps.length; at++) {
    const step = steps[at]!;
    if (known && step.index >= 0 && known.has(step.level, step.index, hash)) break;
    hashed.push(hash);
    hash = step.nodeIsLeft ? hashPair(hash, step.sibling) : hashPair(step.sibling, hash);
  }
  if (!known) return hash;
  if (at < steps.length) {
    for (let above = at; above < steps.length; above++) {
      const step = steps[above]!;
      if (!known.has(step.level, siblingIndex(step), step.sibling)) return walkToRoot(node, steps, hashPair);
    }
    hash = known.root;
  } else if (!equalBytes(hash, known.root)) {
    return hash;
  }
  for (let i = 0; i < at; i++) {
    const step = steps[i]!;
    known.add(step.level, step.index, hashed[i]!);
    known.add(step.level, siblingIndex(step), step.sibling);
  }
  return hash;
}
