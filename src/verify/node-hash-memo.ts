import { InvalidArgumentError } from '../errors.js';

/** One hashing step of a proof walk: at (level, index), `node` and `sibling` gave `parent`. */
export interface HashStep {
  level: number;
  index: number;
  node: Uint8Array;
  sibling: Uint8Array;
  parent: Uint8Array;
}

/** A remembered step, in buffers of its own. */
interface StoredStep {
  node: Buffer;
  sibling: Buffer;
  parent: Buffer;
}

/** Default bound: about 25 MiB; past it the memo starts over. */
const DEFAULT_MAX_STEPS = 1 << 17;

/**
 * Parent hashes that proof walks against one root already computed, by position. A later walk
 * that reaches a position with exactly the same node and sibling takes the remembered parent
 * instead of hashing again: the answer is the hash it would compute, so every proof verifies or
 * fails exactly as without the memo (a tampered sibling never matches and is hashed as usual).
 * Proofs against one root share the top of their paths, so most steps of most proofs are lookups.
 *
 * Only steps of proofs that verified are remembered, so a server cannot crowd out useful entries
 * with junk. One memo per tree and root: the left/right order of a log step depends on the tree
 * size, and a log tree and a map tree number positions differently. Pure data, no I/O.
 */
export class NodeHashMemo {
  private levels: Array<Map<number, StoredStep> | undefined> = [];
  private count = 0;

  constructor(
    readonly root: Buffer,
    private readonly maxSteps = DEFAULT_MAX_STEPS,
  ) {}

  /** The parent remembered for exactly this node and sibling at (level, index), if any. */
  parentOf(level: number, index: number, node: Uint8Array, sibling: Uint8Array): Buffer | undefined {
    const step = this.levels[level]?.get(index);
    if (step === undefined || !step.node.equals(node) || !step.sibling.equals(sibling)) return undefined;
    return step.parent;
  }

  /**
   * Remembers the steps a proof that verified against `root` had to hash (callers pass only those:
   * steps answered by `parentOf` are here already). Entries are copied: a proof's hashes may be
   * views into a whole response buffer, which must not be kept alive.
   */
  remember(steps: readonly HashStep[]): void {
    if (this.count + steps.length > this.maxSteps) {
      this.levels = [];
      this.count = 0;
    }
    for (const { level, index, node, sibling, parent } of steps) {
      const atLevel = (this.levels[level] ??= new Map());
      if (!atLevel.has(index)) this.count++;
      atLevel.set(index, {
        node: Buffer.from(node),
        sibling: Buffer.from(sibling),
        parent: Buffer.from(parent),
      });
    }
  }

  /** Throws unless this memo belongs to `root` (a caller mixing roots is a bug, not bad input). */
  assertFor(root: Uint8Array, tree: string): void {
    if (!this.root.equals(root))
      throw new InvalidArgumentError(`the ${tree} hash memo belongs to another root`);
  }
}
