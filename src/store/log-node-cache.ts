import type { ClassicLevel } from 'classic-level';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { TallyError } from '../errors.js';
import type { NewNode } from '../log/index.js';
import { nodeKey } from './keys.js';
import { scanValues } from './scan.js';

const INITIAL_CAPACITY = 1024;

/**
 * The log's tree nodes of level >= minLevel, one growable slab per level, indexed by node index.
 * Log nodes never change once written and a level holds exactly floor(size / 2^level) of them, so
 * each level is a dense array appended at its end. Caching from level 1 up costs 16 bytes per
 * entry (16 MB at 1M entries) and leaves an inclusion proof one node to read (its level-0 sibling).
 */
export class LogNodeCache {
  private readonly levels: { slab: Buffer; count: number }[] = [];

  constructor(readonly minLevel: number) {}

  /** A copy of the node's hash, or undefined when it is not cached (level too low, or not yet complete). */
  get(level: number, index: number): Buffer | undefined {
    const stored = this.levels[level];
    if (stored === undefined || index >= stored.count) return undefined;
    return Buffer.from(stored.slab.subarray(index * DIGEST_LENGTH, (index + 1) * DIGEST_LENGTH));
  }

  /** Adds newly completed nodes, in append order. Call only after they are durably written. */
  appendCommitted(nodes: readonly NewNode[]): void {
    for (const node of nodes) if (node.level >= this.minLevel) this.append(node.level, node.index, node.hash);
  }

  /** Fills the cache from the database for a tree of `size` leaves: one values-only scan per level. */
  async load(db: ClassicLevel<Buffer, Buffer>, size: number): Promise<void> {
    for (let level = this.minLevel; 2 ** level <= size; level++) {
      // Level `level` holds exactly the complete nodes 0 .. floor(size / 2^level) - 1, in key order.
      const count = Math.floor(size / 2 ** level);
      let index = 0;
      await scanValues(db, { gte: nodeKey(level, 0), lt: nodeKey(level, count) }, (hash) =>
        this.append(level, index++, hash),
      );
      if (index !== count) {
        throw new TallyError(
          'INTERNAL',
          `log store is corrupt: level ${level} has ${index} tree nodes, expected ${count}`,
        );
      }
    }
  }

  private append(level: number, index: number, hash: Buffer): void {
    const stored = (this.levels[level] ??= {
      slab: Buffer.alloc(INITIAL_CAPACITY * DIGEST_LENGTH),
      count: 0,
    });
    if (index !== stored.count) {
      throw new TallyError(
        'INTERNAL',
        `log node (${level}, ${index}) cached out of order (expected ${stored.count})`,
      );
    }
    if ((index + 1) * DIGEST_LENGTH > stored.slab.length) {
      const grown = Buffer.alloc(stored.slab.length * 2);
      stored.slab.copy(grown);
      stored.slab = grown;
    }
    hash.copy(stored.slab, index * DIGEST_LENGTH);
    stored.count++;
  }
}
