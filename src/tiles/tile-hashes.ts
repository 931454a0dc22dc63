import { TallyError } from '../errors.js';
import type { NodeId } from '../log/node-id.js';
import { TileTree } from './tile-tree.js';
import { FULL_TILE_BYTES, TILE_HEIGHT, TILE_WIDTH, tileWidthAt, type TileId } from './tile-id.js';

/*
 * Hashes inside tiles. A tile's W hashes are the leaves of a subtree of height 8; every tree node
 * between tile levels is the MTH of a run of consecutive hashes of one tile.
 */

/** The hash a full tile contributes to the tile level above: MTH of its 256 hashes. */
export function fullTileHash(tile: Uint8Array): Buffer {
  if (tile.length !== FULL_TILE_BYTES) {
    throw new TallyError('INTERNAL', `a full tile is ${FULL_TILE_BYTES} bytes, got ${tile.length}`);
  }
  return new TileTree(Buffer.from(tile)).run(0, TILE_WIDTH);
}

/**
 * Where the complete tree node (level, index) lives: the tile at tile level floor(level / 8) and
 * the run of its hashes whose MTH is the node.
 */
export function tileRunOfNode({ level, index }: NodeId): {
  tileLevel: number;
  tileIndex: number;
  offset: number;
  count: number;
} {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level - tileLevel * TILE_HEIGHT);
  const first = index * count;
  return { tileLevel, tileIndex: Math.floor(first / TILE_WIDTH), offset: first % TILE_WIDTH, count };
}

/** The tree of stored tile (level, index), which holds at least `width` hashes. */
export type TileSource = (level: number, index: number, width: number) => TileTree;

/** The hash of complete tree node `node` in the tree of `size` leaves, read from its tile. */
export function nodeHashFromTiles(node: NodeId, size: number, readTile: TileSource): Buffer {
  const run = tileRunOfNode(node);
  const width = tileWidthAt(run.tileLevel, run.tileIndex, size);
  if (run.offset + run.count > width) {
    throw new TallyError(
      'INTERNAL',
      `tree node (${node.level}, ${node.index}) is not complete at size ${size}`,
    );
  }
  return readTile(run.tileLevel, run.tileIndex, width).run(run.offset, run.count);
}

/**
 * The tiles of a tree computed from its leaf hashes alone, bottom up: the reference the store
 * and verifiers are tested against, and what a client uses to recompute the parent hashes of
 * tiles it fetched. Returns the bytes of every tile of tilesOfTree(leafHashes.length), by tile.
 */
export function tileBytesFromLeafHashes(leafHashes: readonly Uint8Array[]): Map<string, Buffer> {
  const tiles = new Map<string, Buffer>();
  let level = 0;
  let hashes: Uint8Array[] = leafHashes.slice();
  while (hashes.length > 0) {
    const above: Uint8Array[] = [];
    for (let index = 0; index * TILE_WIDTH < hashes.length; index++) {
      const run = hashes.slice(index * TILE_WIDTH, (index + 1) * TILE_WIDTH);
      const bytes = Buffer.concat(run);
      tiles.set(tileKey({ level, index, width: run.length }), bytes);
      if (run.length === TILE_WIDTH) above.push(fullTileHash(bytes));
    }
    hashes = above;
    level++;
  }
  return tiles;
}

/** A map key naming one tile at one width. */
export function tileKey({ level, index, width }: TileId): string {
  return `${level}/${index}/${width}`;
}
