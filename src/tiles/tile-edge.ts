import { TallyError } from '../errors.js';
import type { NewNode } from '../log/frontier.js';
import { TILE_HEIGHT, TILE_WIDTH, type TileId } from './tile-id.js';

/** One stored tile and its bytes (a prefix of its final bytes while it is partial). */
export interface TileBytes {
  tile: TileId;
  bytes: Buffer;
}

/**
 * The rightmost tile of every tile level of a tree: the only tiles an append changes. Full tiles
 * never change again; a partial tile only grows, so each stored version is a prefix of the next.
 * Memory is one tile per level, at most 8 KiB each, whatever the size of the log.
 */
export class TileEdge {
  private constructor(private readonly tiles: TileBytes[]) {}

  /** The edge of the tree of `size` leaves, given the stored bytes of its rightmost tiles. */
  static of(size: number, rightmostTiles: TileBytes[]): TileEdge {
    return new TileEdge(rightmostTiles.map((t) => ({ tile: { ...t.tile }, bytes: Buffer.from(t.bytes) })));
  }

  /** The rightmost tile at `level`, if the tree reaches that level. */
  at(level: number): TileBytes | undefined {
    return this.tiles[level];
  }

  /**
   * The edge after appending: `newNodes` from appendLeaves, in append order. Returns the new
   * edge and every tile that changed (each once, at its final bytes for this append, level by level). This edge
   * is left unchanged, so a failed write keeps it valid.
   */
  extend(newNodes: readonly NewNode[]): { edge: TileEdge; changed: TileBytes[] } {
    const tiles = this.tiles.map((t) => ({ tile: { ...t.tile }, chunks: [t.bytes] as Buffer[] }));
    const changed = new Map<string, { tile: TileId; chunks: Buffer[] }>();
    for (const node of newNodes) {
      if (node.level % TILE_HEIGHT !== 0) continue;
      const level = node.level / TILE_HEIGHT;
      const tileIndex = Math.floor(node.index / TILE_WIDTH);
      const position = node.index % TILE_WIDTH;
      let current = tiles[level];
      if (current === undefined) {
        if (level !== tiles.length || node.index !== 0) throw outOfOrder(node);
        current = tiles[level] = { tile: { level, index: 0, width: 0 }, chunks: [] };
      }
      if (current.tile.width === TILE_WIDTH) {
        current = tiles[level] = { tile: { level, index: current.tile.index + 1, width: 0 }, chunks: [] };
      }
      if (current.tile.index !== tileIndex || current.tile.width !== position) throw outOfOrder(node);
      current.chunks.push(node.hash);
      current.tile.width++;
      changed.set(`${level}/${tileIndex}`, current);
    }
    const done = (t: { tile: TileId; chunks: Buffer[] }): TileBytes => {
      const bytes = t.chunks.length === 1 ? t.chunks[0]! : Buffer.concat(t.chunks);
      t.chunks = [bytes];
      return { tile: { ...t.tile }, bytes };
    };
    // Level by level, each in index order: the order tilesAddedBetween lists them.
    const changedTiles = [...changed.values()]
      .sort((a, b) => a.tile.level - b.tile.level || a.tile.index - b.tile.index)
      .map(done);
    return { edge: new TileEdge(tiles.map(done)), changed: changedTiles };
  }
}

function outOfOrder(node: NewNode): TallyError {
  return new TallyError('INTERNAL', `tree node (${node.level}, ${node.index}) does not extend the tile edge`);
}
