import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';
import { requireCount } from '../log/bits.js';

/*
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the tree is served as tiles of height 8. The
 * tile at level L, index N holds, for i in 0..W-1, MTH(D[(N*256 + i) * 256^L : (N*256 + i + 1) * 256^L]),
 * that is the tree nodes at tree level 8L with indices N*256 .. N*256 + W - 1. A full tile has
 * W = 256; a partial tile (the right edge) has 1 <= W <= 255.
 */

/** Tree levels per tile level. */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;
/** Bytes in a full tile. */
export const FULL_TILE_BYTES = TILE_WIDTH * DIGEST_LENGTH;
/** The spec allows levels 0..63. */
export const MAX_TILE_LEVEL = 63;

/** One tile: level L, index N, width W (TILE_WIDTH for a full tile). */
export interface TileId {
  level: number;
  index: number;
  width: number;
}

/** 256^level, exact for every level a tree below 2^53 can reach. */
export function tileSpan(level: number): number {
  return 2 ** (TILE_HEIGHT * level);
}

/**
 * Width of tile (level, index) in the tree of `size` leaves: TILE_WIDTH when full, 1..255 for the
 * partial tile at the right edge, 0 when the tree has no such tile.
 */
export function tileWidthAt(level: number, index: number, size: number): number {
  requireCount('tree size', size);
  const hashesAtLevel = Math.floor(size / tileSpan(level));
  const full = Math.floor(hashesAtLevel / TILE_WIDTH);
  if (index < full) return TILE_WIDTH;
  if (index === full) return hashesAtLevel % TILE_WIDTH;
  return 0;
}

/**
 * Every tile of the tree of `size` leaves, level by level, each level in index order: the full
 * tiles, then the partial one if the level has one. Empty tiles are not tiles.
 */
export function tilesOfTree(size: number): TileId[] {
  requireCount('tree size', size);
  const tiles: TileId[] = [];
  for (let level = 0; tileSpan(level) <= size; level++) tiles.push(...tilesAtLevel(level, size));
  return tiles;
}

/** The tiles of one level of the tree of `size` leaves, in index order. */
export function tilesAtLevel(level: number, size: number): TileId[] {
  const hashesAtLevel = Math.floor(size / tileSpan(level));
  const full = Math.floor(hashesAtLevel / TILE_WIDTH);
  const tiles: TileId[] = [];
  for (let index = 0; index < full; index++) tiles.push({ level, index, width: TILE_WIDTH });
  const partial = hashesAtLevel % TILE_WIDTH;
  if (partial > 0) tiles.push({ level, index: full, width: partial });
  return tiles;
}

/**
 * The tiles that are new or wider in the tree of `newSize` than in the tree of `oldSize`: what a
 * publisher writes after a checkpoint. Tiles that were already full are not listed.
 */
export function tilesAddedBetween(oldSize: number, newSize: number): TileId[] {
  requireCount('old tree size', oldSize);
  requireCount('new tree size', newSize);
  if (oldSize > newSize)
    throw new InvalidArgumentError(`old size ${oldSize} is larger than new size ${newSize}`);
  const tiles: TileId[] = [];
  for (let level = 0; tileSpan(level) <= newSize; level++) {
    const oldHashes = Math.floor(oldSize / tileSpan(level));
    const firstChanged = Math.floor(oldHashes / TILE_WIDTH);
    for (const tile of tilesAtLevel(level, newSize)) {
      if (tile.index < firstChanged) continue;
      if (tile.index === firstChanged && tile.width === oldHashes % TILE_WIDTH) continue;
      tiles.push(tile);
    }
  }
  return tiles;
}

/**
 * The tree sizes whose checkpoint requires the partial tile (level, index, width): exactly those
 * with floor(size / 256^level) = index * 256 + width, the range [first, end).
 */
export function sizesRequiringPartial(tile: TileId): { first: number; end: number } {
  const span = tileSpan(tile.level);
  const hashes = tile.index * TILE_WIDTH + tile.width;
  return { first: hashes * span, end: (hashes + 1) * span };
}
