import type { TileTree } from '../tiles/index.js';

/**
 * The most recently used tile trees, at most `capacity` of them (16 KiB each when full): proofs
 * of nearby leaves and every proof's upper levels share tiles, and hashing a tile's tree once
 * saves up to 255 hashes per later proof. Memory stays the same however long the log grows.
 */
export class TileCache {
  private readonly trees = new Map<string, TileTree>();

  constructor(private readonly capacity: number) {}

  get(key: string): TileTree | undefined {
    const tree = this.trees.get(key);
    if (tree !== undefined) {
      this.trees.delete(key);
      this.trees.set(key, tree);
    }
    return tree;
  }

  /** The tree if cached, without making it the most recently used. */
  peek(key: string): TileTree | undefined {
    return this.trees.get(key);
  }

  set(key: string, tree: TileTree): void {
    this.trees.delete(key);
    this.trees.set(key, tree);
    if (this.trees.size > this.capacity) this.trees.delete(this.trees.keys().next().value!);
  }
}
