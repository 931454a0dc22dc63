import type { ChainedBatch, ClassicLevel } from 'classic-level';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { TallyError } from '../errors.js';
import { frontierNodeIds, type Frontier, type NewNode, type NodeId } from '../log/index.js';
import {
  ENTRY_BUNDLE,
  TILE_WIDTH,
  TileEdge,
  TileTree,
  encodeBundleItem,
  nodeHashFromTiles,
  parseBundlePrefix,
  tileSpan,
  tileWidthAt,
  tilesAtLevel,
  type TileBytes,
  type TileId,
} from '../tiles/index.js';
import { bundleKey, tileKey } from './keys.js';
import { TileCache } from './tile-cache.js';

/** Tile trees kept in memory: 16 MiB when all are full tiles. */
const CACHED_TILE_TREES = 1024;

/** The entry bundle at the right edge of the log, being filled. */
interface EdgeBundle {
  index: number;
  count: number;
  bytes: Buffer;
}

/** What one integration writes, applied to memory once the batch is durable. */
export interface StagedTiles {
  size: number;
  edge: TileEdge;
  bundle: EdgeBundle;
}

/**
 * The log's Merkle tree as C2SP tlog-tiles and its leaves as entry bundles, in LevelDB: one
 * record per tile and per bundle, each rewritten while partial (every version a prefix of the
 * next) and never again once full. Memory holds the rightmost tile of each level, the rightmost
 * bundle and a bounded cache of tile trees, so it does not grow with the log, and opening reads
 * one tile per level.
 */
export class StoredTiles {
  private readonly cache = new TileCache(CACHED_TILE_TREES);

  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private size: number,
    private edge: TileEdge,
    private bundle: EdgeBundle,
  ) {}

  /** The stored tiles of the tree of `size` leaves (the signed head's size). */
  static load(db: ClassicLevel<Buffer, Buffer>, size: number): StoredTiles {
    const rightmost: TileBytes[] = [];
    for (let level = 0; tileSpan(level) <= size; level++) {
      const tile = tilesAtLevel(level, size).at(-1)!;
      rightmost.push({ tile, bytes: readStoredTile(db, tile) });
    }
    const index = Math.floor(size / TILE_WIDTH);
    const count = size % TILE_WIDTH;
    const bytes = count === 0 ? Buffer.alloc(0) : readStoredBundle(db, index, count);
    return new StoredTiles(db, size, TileEdge.of(size, rightmost), { index, count, bytes });
  }

  /** The compact range of the tree, read from the rightmost tiles. */
  frontier(): Frontier {
    return { size: this.size, hashes: frontierNodeIds(this.size).map((node) => this.nodeHash(node)) };
  }

  /**
   * Puts the tiles and bundle records an append changes into `batch`: `newNodes` from
   * appendLeaves, `leafData` the appended leaves in order. Nothing in memory changes until
   * applyCommitted.
   */
  stage(
    batch: ChainedBatch<ClassicLevel<Buffer, Buffer>, Buffer, Buffer>,
    newNodes: readonly NewNode[],
    leafData: readonly Uint8Array[],
  ): StagedTiles {
    const { edge, changed } = this.edge.extend(newNodes);
    for (const { tile, bytes } of changed) batch.put(tileKey(tile.level, tile.index), bytes);
    // The rightmost bundle grows; each bundle it fills is written once more, full, and a new one starts.
    const { index: firstIndex, count: firstCount, bytes: firstBytes } = this.bundle;
    let bundle: EdgeBundle = { index: firstIndex, count: firstCount, bytes: firstBytes };
    let chunks: Buffer[] = [firstBytes];
    const finish = () => {
      bundle = { ...bundle, bytes: Buffer.concat(chunks) };
      batch.put(bundleKey(bundle.index), bundle.bytes);
    };
    for (const data of leafData) {
      if (bundle.count === TILE_WIDTH) {
        finish();
        bundle = { index: bundle.index + 1, count: 0, bytes: Buffer.alloc(0) };
        chunks = [];
      }
      chunks.push(encodeBundleItem(ENTRY_BUNDLE, data));
      bundle.count++;
    }
    if (leafData.length > 0) finish();
    return { size: this.size + leafData.length, edge, bundle };
  }

  applyCommitted(staged: StagedTiles): void {
    this.size = staged.size;
    this.edge = staged.edge;
    this.bundle = staged.bundle;
  }

  /** Hash of a complete node of the current tree. */
  nodeHash(node: NodeId): Buffer {
    return nodeHashFromTiles(node, this.size, (level, index, width) => this.tileTree(level, index, width));
  }

  /** Hash of leaf `index`, from its level-0 tile. */
  leafHash(index: number): Buffer {
    return this.nodeHash({ level: 0, index });
  }

  /**
   * The bytes of `tile` as a tree of the current size has it (a partial tile as a prefix of the
   * stored one), or undefined when the current tree has no such tile or it is narrower.
   */
  tileBytes(tile: TileId): Buffer | undefined {
    const available = tileWidthAt(tile.level, tile.index, this.size);
    if (tile.width > available) return undefined;
    // Served as stored: no tree is hashed (or cached) just to hand out its bottom row.
    const edge = this.edge.at(tile.level);
    const stored =
      edge !== undefined && edge.tile.index === tile.index
        ? edge.bytes
        : (this.cache.peek(`${tile.level}/${tile.index}/${TILE_WIDTH}`)?.tile ??
          readStoredTile(this.db, tile));
    return stored.subarray(0, tile.width * DIGEST_LENGTH);
  }

  /** Entry bundle `index` at `width` entries, or undefined when the log has fewer. */
  entryBundle(index: number, width: number): Buffer | undefined {
    if (width > tileWidthAt(0, index, this.size)) return undefined;
    const stored = index === this.bundle.index ? this.bundle.bytes : readStoredBundle(this.db, index, width);
    const what = `entry bundle ${index}`;
    const items = parseBundlePrefix(ENTRY_BUNDLE, stored, width, what);
    return stored.subarray(0, items.end);
  }

  /** Leaf data of leaves [start, end) of the current tree; callers bound the range. */
  leafData(start: number, end: number): Buffer[] {
    const leaves: Buffer[] = [];
    for (let index = Math.floor(start / TILE_WIDTH); index * TILE_WIDTH < end; index++) {
      const first = index * TILE_WIDTH;
      const width = Math.min(TILE_WIDTH, end - first);
      const items = parseBundlePrefix(
        ENTRY_BUNDLE,
        this.entryBundle(index, width)!,
        width,
        `entry bundle ${index}`,
      );
      items.forEach((item, i) => {
        if (first + i >= start) leaves.push(Buffer.from(item));
      });
    }
    return leaves;
  }

  private tileTree(level: number, index: number, width: number): TileTree {
    const edge = this.edge.at(level);
    if (edge !== undefined && edge.tile.index === index) {
      const key = `${level}/${index}/${edge.tile.width}`;
      let tree = this.cache.get(key);
      if (tree === undefined) this.cache.set(key, (tree = new TileTree(edge.bytes)));
      return checkWidth(tree, level, index, width);
    }
    const key = `${level}/${index}/${TILE_WIDTH}`;
    let tree = this.cache.get(key);
    if (tree === undefined) {
      tree = new TileTree(readStoredTile(this.db, { level, index, width: TILE_WIDTH }));
      this.cache.set(key, tree);
    }
    return checkWidth(tree, level, index, width);
  }
}

function checkWidth(tree: TileTree, level: number, index: number, width: number): TileTree {
  if (tree.width < width) {
    throw new TallyError(
      'INTERNAL',
      `log store is corrupt: tile ${level}/${index} has ${tree.width} hashes, expected ${width}`,
    );
  }
  return tree;
}

/** The stored tile, cut to `tile.width` hashes; corrupt stores are refused. */
function readStoredTile(db: ClassicLevel<Buffer, Buffer>, tile: TileId): Buffer {
  const bytes = db.getSync(tileKey(tile.level, tile.index));
  const expected = tile.width * DIGEST_LENGTH;
  if (bytes === undefined || bytes.length < expected) {
    throw new TallyError(
      'INTERNAL',
      `log store is corrupt: tile ${tile.level}/${tile.index} has ${bytes?.length ?? 0} bytes, expected ${expected}`,
    );
  }
  return bytes.length === expected ? bytes : bytes.subarray(0, expected);
}

function readStoredBundle(db: ClassicLevel<Buffer, Buffer>, index: number, count: number): Buffer {
  const bytes = db.getSync(bundleKey(index));
  const items = bytes && parseBundlePrefix(ENTRY_BUNDLE, bytes, count, `entry bundle ${index}`);
  if (bytes === undefined || items === undefined || items.length < count) {
    throw new TallyError(
      'INTERNAL',
      `log store is corrupt: entry bundle ${index} has fewer than ${count} entries`,
    );
  }
  return bytes.subarray(0, items.end);
}
