import { DIGEST_LENGTH } from './sha256.js';

/** The most steps a walk has: a map proof of depth 256 (a log proof has at most 63). */
export const MAX_PATH_STEPS = 256;
const NO_BYTES = new Uint8Array(0);

/**
 * The steps of one proof walk from a leaf towards the root. Step i: the node at
 * (level[i], index[i]) meets its sibling, at (level, index + 1) when nodeIsLeft[i] is 1, else at
 * (level, index - 1); the sibling's 32 bytes are at siblingAt[i] in `siblings` (the packed proof),
 * or it is the empty hash (32 zero bytes) when siblingAt[i] is -1. An index of -1 means the
 * position is not tracked (map depths past 48); such steps are always hashed.
 *
 * Typed arrays, reusable from walk to walk, not an object per step: a follower walks ~150 steps
 * per decision. Fill with `start` and `push`, then walk before filling again.
 */
export class PathSteps {
  length = 0;
  siblings: Uint8Array = NO_BYTES;
  /** `siblings` as 32-bit words (a view, or an aligned copy), for checking siblings word-wise. */
  siblingWords: Int32Array = new Int32Array(0);
  readonly level: Int32Array;
  readonly index: Float64Array;
  readonly nodeIsLeft: Uint8Array;
  readonly siblingAt: Int32Array;

  constructor(capacity = MAX_PATH_STEPS) {
    this.level = new Int32Array(capacity);
    this.index = new Float64Array(capacity);
    this.nodeIsLeft = new Uint8Array(capacity);
    this.siblingAt = new Int32Array(capacity);
  }

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
export const WORDS_PER_HASH = DIGEST_LENGTH / 4;
const EMPTY_WORDS = new Int32Array(WORDS_PER_HASH);

/** Hashes two 32-byte children read at the given offsets into their parent (one per tree). */
export type PairHasher = (left: Uint8Array, leftAt: number, right: Uint8Array, rightAt: number) => Buffer;

/** The parent of `node` (32 bytes) and its sibling at step `at` of `steps`. */
export function hashStep(steps: PathSteps, at: number, node: Uint8Array, hashPair: PairHasher): Buffer {
  const sibling = steps.siblingBytes(at);
  const siblingAt = steps.siblingOffset(at);
  return steps.nodeIsLeft[at] === 1
    ? hashPair(node, 0, sibling, siblingAt)
    : hashPair(sibling, siblingAt, node, 0);
}

/** The root a proof walk leads to from `node` (32 bytes) through `steps`, hashing every step. */
export function rootOfPath(node: Uint8Array, steps: PathSteps, hashPair: PairHasher): Uint8Array {
  let hash = node;
  for (let at = 0; at < steps.length; at++) hash = hashStep(steps, at, hash, hashPair);
  return hash;
}
