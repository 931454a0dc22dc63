import { TILE_WIDTH, tileKey, type TileId } from '../tiles/index.js';
import { TiledLogVerifier, type SignedTree } from '../verify/tiled-log.js';
import type { LogResourceSource, VerifiedTileCache } from '../verify/tile-sources.js';
import type { FollowerStore } from './follower-store.js';

/** Partial (right-edge) tiles kept in memory per log: a few checkpoints' worth. */
const MAX_PARTIAL_TILES = 64;

/**
 * The verified tiles of one log followed over tlog-tiles, reused across keys, checkpoints and
 * restarts (the idea of Go's sumdb/tlog TileHashReader, kept on disk). Full tiles, which never
 * change, go to the follower's LevelDB; partial tiles (the right edge, read once per checkpoint)
 * stay in memory.
 *
 * A tile reaches them only through `verifierOf(tree).commit()`: after it verified against the
 * tree's signed root, AND after the follower accepted that checkpoint as consistent with every
 * stored head. A fork's tiles verify against the fork's own root, so they are staged, never kept,
 * until the fork is proven to extend the stored head (it never is).
 */
export class FollowerTiles {
  private readonly partial = new Map<string, Uint8Array>();

  constructor(
    private readonly store: FollowerStore,
    private readonly logId: string,
    private readonly source: LogResourceSource,
  ) {}

  /** A verifier of `tree` (a signed checkpoint's) reading through the kept tiles, staging what it verifies. */
  verifierOf(tree: SignedTree): StagedVerifier {
    const staged = new StagedTiles(this);
    return Object.assign(new TiledLogVerifier(tree, this.source, staged), {
      commit: () => staged.commit(),
    });
  }

  async get(tile: TileId): Promise<Uint8Array | undefined> {
    if (tile.width < TILE_WIDTH) return this.partial.get(tileKey(tile));
    return this.store.getTile(this.logId, tile.level, tile.index);
  }

  async keep(tiles: readonly { tile: TileId; bytes: Uint8Array }[]): Promise<void> {
    const full = [];
    for (const { tile, bytes } of tiles) {
      if (tile.width === TILE_WIDTH) {
        full.push({ level: tile.level, index: tile.index, bytes });
        continue;
      }
      if (this.partial.size >= MAX_PARTIAL_TILES) this.partial.delete(this.partial.keys().next().value!);
      this.partial.set(tileKey(tile), bytes);
    }
    await this.store.putTiles(this.logId, full);
  }
}

/** A TiledLogVerifier whose verified tiles are kept once `commit` is called (see FollowerTiles). */
export type StagedVerifier = TiledLogVerifier & { commit(): Promise<void> };

/** Reads kept tiles, stages new ones until `commit`, after which it keeps them at once. */
class StagedTiles implements VerifiedTileCache {
  private staged: Map<string, { tile: TileId; bytes: Uint8Array }> | undefined = new Map();

  constructor(private readonly kept: FollowerTiles) {}

  get(tile: TileId): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    return this.staged?.get(tileKey(tile))?.bytes ?? this.kept.get(tile);
  }

  put(tile: TileId, bytes: Uint8Array): void | Promise<void> {
    if (this.staged === undefined) return this.kept.keep([{ tile, bytes }]);
    this.staged.set(tileKey(tile), { tile, bytes });
  }

  async commit(): Promise<void> {
    const staged = this.staged;
    if (staged === undefined) return;
    this.staged = undefined;
    await this.kept.keep([...staged.values()]);
  }
}
