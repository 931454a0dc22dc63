import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { TallyError, VerificationError } from '../errors.js';
import { largestPowerOfTwoBelow } from '../log/bits.js';
import { hashChildrenAt } from '../log/hasher.js';
import type { NodeId } from '../log/node-id.js';
import { FULL_TILE_BYTES, TILE_HEIGHT, TILE_WIDTH, tileWidthAt, type TileId } from './tile-id.js';

/*
 * Hashes inside tiles. A tile's W hashes are the leaves of a subtree of height 8; every tree node
 * between tile levels is the MTH of a run of consecutive hashes of one tile.
 */

/** MTH of the `count` hashes of `tile` starting at hash `offset` (RFC 9162 2.1.1 split). */
export function hashRunInTile(tile: Uint8Array, offset: number, count: number): Buffer {
  if (count < 1 || (offset + count) * DIGEST_LENGTH > tile.length) {
    throw new TallyError(
      'INTERNAL',
      `hash run [${offset}, ${offset + count}) is outside a tile of ${tile.length} bytes`,
    );
  }
  if (count === 1) return Buffer.from(tile.subarray(offset * DIGEST_LENGTH, (offset + 1) * DIGEST_LENGTH));
  const k = largestPowerOfTwoBelow(count);
  const left = hashRunInTile(tile, offset, k);
  const right = hashRunInTile(tile, offset + k, count - k);
  return hashChildrenAt(left, 0, right, 0);
}

/** The hash a full tile contributes to the tile level above: MTH of its 256 hashes. */
export function fullTileHash(tile: Uint8Array): Buffer {
  if (tile.length !== FULL_TILE_BYTES) {
    throw new TallyError('INTERNAL', `a full tile is ${FULL_TILE_BYTES} bytes, got ${tile.length}`);
  }
  return hashRunInTile(tile, 0, TILE_WIDTH);
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

/** Reads the stored bytes of tile (level, index); at least `width` hashes are expected. */
export type TileSource = (level: number, index: number, width: number) => Uint8Array;

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
  return hashRunInTile(readTile(run.tileLevel, run.tileIndex, width), run.offset, run.count);
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

/** Throws VerificationError unless `bytes` is exactly the tile `tile`'s size; `what` names it. */
export function checkTileLength(tile: TileId, bytes: Uint8Array, what: string): void {
  const expected = tile.width * DIGEST_LENGTH;
  if (bytes.length !== expected) {
    throw new VerificationError(
      `${what}: ${bytes.length} bytes, expected ${expected} for width ${tile.width}`,
    );
  }
}
