import { equalBytes } from '../crypto/equal-bytes.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';

/** The most steps a walk has: a map proof of depth 256 (a log proof has at most 63). */
const MAX_STEPS = 256;
const NO_BYTES = new Uint8Array(0);

/**
 * The steps of one proof walk from a leaf towards the root. Step i: the node at
 * (level[i], index[i]) meets its sibling, at (level, index + 1) when nodeIsLeft[i] is 1, else at
 * (level, index - 1); the sibling's 32 bytes are at siblingAt[i] in `siblings` (the packed proof),
 * or it is the empty hash (32 zero bytes) when siblingAt[i] is -1. An index of -1 means the
 * position is not tracked (map depths past 48); such steps are always hashed.
 *
 * Typed arrays, reused from walk to walk, not an object per step: a follower walks ~150 steps per
 * decision. Fill with `start` and `push`, then walk before filling again.
 */
export class PathSteps {
  length = 0;
  siblings: Uint8Array = NO_BYTES;
  /** `siblings` as 32-bit words (a view, or an aligned copy), for checking siblings word-wise. */
  siblingWords: Int32Array = new Int32Array(0);
  readonly level = new Int32Array(MAX_STEPS);
  readonly index = new Float64Array(MAX_STEPS);
  readonly nodeIsLeft = new Uint8Array(MAX_STEPS);
  readonly siblingAt = new Int32Array(MAX_STEPS);

  /** Empties the steps for a proof whose hashes are packed in `siblings`. */
  start(siblings: Uint8Array): this {
    this.length = 0;
    this.siblings = siblings;
    const words = siblings.length >> 2;
    if ((siblings.byteOffset & 3) === 0) {
      this.siblingWords = new Int32Array(siblings.buffer, siblings.byteOffset, words);
    } else {
      this.siblingWords = new Int32Array(words);
      new Uint8Array(this.siblingWords.buffer).set(siblings.subarray(0, words << 2));
    }
    return this;
  }

  push(level: number, index: number, nodeIsLeft: boolean, siblingAt: number): void {
    const i = this.length++;
    this.level[i] = level;
    this.index[i] = index;
    this.nodeIsLeft[i] = nodeIsLeft ? 1 : 0;
    this.siblingAt[i] = siblingAt;
  }

  /** The bytes step i's sibling is read from (with siblingOffset). */
  siblingBytes(i: number): Uint8Array {
    return this.siblingAt[i]! < 0 ? EMPTY_HASH : this.siblings;
  }

  siblingOffset(i: number): number {
    return Math.max(this.siblingAt[i]!, 0);
  }

  /** The words step i's sibling is read from, at siblingOffset(i) / 4. */
  siblingWordsOf(i: number): Int32Array {
    return this.siblingAt[i]! < 0 ? EMPTY_WORDS : this.siblingWords;
  }

  siblingIndex(i: number): number {
    const index = this.index[i]!;
    return index < 0 ? -1 : this.nodeIsLeft[i] === 1 ? index + 1 : index - 1;
  }
}

/** 32 zero bytes: the empty subtree of the map (log proofs never have empty siblings). */
const EMPTY_HASH = new Uint8Array(DIGEST_LENGTH);
const WORDS_PER_HASH = DIGEST_LENGTH / 4;
const EMPTY_WORDS = new Int32Array(WORDS_PER_HASH);

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
  private words = wordsOf(this.slab);
  private count = 0;

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

// The nodes a walk hashed, by step, for recording them once the walk verified. Reused: walks are
// synchronous and a walk that records never nests in another.
const hashedByStep: Uint8Array[] = [];

/** Hashes two 32-byte children read at the given offsets into their parent (one per tree). */
export type PairHasher = (left: Uint8Array, leftAt: number, right: Uint8Array, rightAt: number) => Buffer;

/**
 * The root a proof walk leads to from `node` (32 bytes) through `steps`, hashing each pair with
 * `hashPair`. With `known`, hashing stops at the first node `known`
 * holds; the walk then leads to `known.root` exactly when every remaining sibling is the node
 * `known` holds at its position (else the walk is redone by hashing). When the walk leads to
 * `known.root`, the nodes and siblings it hashed are added to `known`.
 */
export function walkToRoot(
  node: Uint8Array,
  steps: PathSteps,
  hashPair: PairHasher,
  known?: VerifiedNodes,
): Uint8Array {
  let hash = node;
  let at = 0;
  const count = steps.length;
  for (; at < count; at++) {
    const index = steps.index[at]!;
    if (known && index >= 0 && known.has(steps.level[at]!, index, hash)) break;
    if (known) hashedByStep[at] = hash;
    const sibling = steps.siblingBytes(at);
    const siblingAt = steps.siblingOffset(at);
    hash =
      steps.nodeIsLeft[at] === 1
        ? hashPair(hash, 0, sibling, siblingAt)
        : hashPair(sibling, siblingAt, hash, 0);
  }
  if (!known) return hash;
  if (at < count) {
    for (let above = at; above < count; above++) {
      const siblingIndex = steps.siblingIndex(above);
      const wordAt = steps.siblingOffset(above) >> 2;
      if (!known.hasWords(steps.level[above]!, siblingIndex, steps.siblingWordsOf(above), wordAt))
        return walkToRoot(node, steps, hashPair);
    }
    hash = known.root;
  } else if (!equalBytes(hash, known.root)) {
    return hash;
  }
  for (let i = 0; i < at; i++) {
    const level = steps.level[i]!;
    known.add(level, steps.index[i]!, hashedByStep[i]!);
    known.add(level, steps.siblingIndex(i), steps.siblingBytes(i), steps.siblingOffset(i));
  }
  return hash;
}
