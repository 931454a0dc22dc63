import type { LogResource, TileId } from '../tiles/index.js';
import { tileKey } from '../tiles/index.js';

/*
 * The two seams of TiledLogVerifier (tiled-log.ts): where untrusted bytes come from, and where
 * tiles that verified are kept. Both are small so that an HTTP client, a static directory, a
 * follower's LevelDB or a test can stand behind them.
 */

/**
 * Where a log's resources come from: a tlog-tiles server, a static directory, a test. Nothing it
 * returns is trusted; the verifier checks every byte. `get` rejects when the bytes cannot be had
 * (a network error, a 404); its errors pass through the verifier unchanged.
 */
export interface LogResourceSource {
  get(resource: LogResource): Promise<Uint8Array>;
}

/**
 * Tiles of ONE log that a TiledLogVerifier has verified, by tile (level, index, width). Only the
 * verifier puts tiles here, after they hashed up to a signed root, and it trusts what `get`
 * returns without checking it again: never fill it from anywhere else.
 *
 * Tiles verified against one checkpoint hold in every later tree that is consistent with it. A
 * caller that keeps a cache across checkpoints (a follower) must check each new checkpoint's
 * consistency with the one before (`verifyConsistencyWith`) before reading anything else through
 * the new one: that check is sound even with cached tiles, because the proof is checked against
 * both signed roots.
 */
export interface VerifiedTileCache {
  get(tile: TileId): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  put(tile: TileId, bytes: Uint8Array): void | Promise<void>;
}

/** A VerifiedTileCache in memory, for one run of the CLI or a test. Unbounded: one log's tiles. */
export class MemoryTileCache implements VerifiedTileCache {
  private readonly tiles = new Map<string, Uint8Array>();

  get(tile: TileId): Uint8Array | undefined {
    return this.tiles.get(tileKey(tile));
  }

  put(tile: TileId, bytes: Uint8Array): void {
    this.tiles.set(tileKey(tile), bytes);
  }

  /** Tiles held. */
  get size(): number {
    return this.tiles.size;
  }
}
