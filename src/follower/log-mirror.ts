import type { Head } from '../store/log-store.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import type { MirroredEntries, MirrorStore } from '../store/mirror-store.js';
import { TILE_WIDTH, type TileId } from '../tiles/index.js';
import { tileKey } from '../tiles/index.js';
import { TiledLogVerifier, type VerifiedBundle } from '../verify/tiled-log.js';
import type { LogResourceSource, VerifiedTileCache } from '../verify/tile-sources.js';

/** Bundles stored together, in one synced write. */
const WINDOW_BUNDLES = 4;
/** Bundles downloading and verifying at once (three GETs each: entries, values, level-0 tile). */
const BUNDLES_AHEAD = 16;

/** How far a catch-up is: leaves stored of the target checkpoint's size. */
export type CatchUpProgress = (stored: number, target: number) => void;

/**
 * Tiles above level 0 verified for the current target, kept in memory (a few per level): level-0
 * tiles are each read once, for the bundle they prove, so they are not kept.
 */
class UpperTiles implements VerifiedTileCache {
  private readonly tiles = new Map<string, Uint8Array>();
  get(tile: TileId): Uint8Array | undefined {
    return this.tiles.get(tileKey(tile));
  }
  put(tile: TileId, bytes: Uint8Array): void {
    if (tile.level > 0) this.tiles.set(tileKey(tile), bytes);
  }
}

/**
 * Copies a log into a MirrorStore over tlog-tiles. Every entry is checked against the level-0
 * tile of a tree whose root the signed target checkpoint gives (TiledLogVerifier), every value
 * against its entry's digest, then the store recomputes the tree and refuses a root that differs:
 * nothing is stored before it is verified. Progress is stored in windows of whole bundles, so an
 * interrupted catch-up resumes at the first bundle not stored.
 */
export class LogMirror {
  private stopped = false;

  constructor(
    readonly store: MirrorStore,
    private readonly source: LogResourceSource,
  ) {}

  /** Ends a running catch-up after the window being written (it resumes from there next time). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Brings the mirror up to `target`, a checkpoint whose signature, origin and consistency with
   * every stored head the caller has checked. Throws (VerificationError, or the source's error)
   * when the log's resources do not verify or cannot be fetched; what was stored stays.
   */
  async catchUp(target: Head, onProgress?: CatchUpProgress): Promise<void> {
    const size = target.checkpoint.size;
    const { store } = this;
    if (size <= store.size) return;
    if (store.storedSize >= size) return store.complete(target);
    const verifier = new TiledLogVerifier(
      { size, root: target.checkpoint.logRoot },
      this.source,
      new UpperTiles(),
    );
    await verifier.verifyRoot();
    const bundles = Math.ceil(size / TILE_WIDTH);
    // Bundles download and verify ahead, in order, while the windows before them are written.
    const ahead: Promise<VerifiedBundle>[] = [];
    let nextBundle = Math.floor(store.storedSize / TILE_WIDTH);
    const fetchAhead = () => {
      while (nextBundle < bundles && ahead.length < BUNDLES_AHEAD) {
        const bundle = verifier.bundle(nextBundle++);
        bundle.catch(() => undefined);
        ahead.push(bundle);
      }
    };
    fetchAhead();
    while (ahead.length > 0 && !this.stopped) {
      const window = await Promise.all(ahead.splice(0, WINDOW_BUNDLES));
      fetchAhead();
      const entries = entriesOf(window, store.storedSize);
      const end = store.storedSize + entries.leaves.length;
      await store.append(entries, end === size ? target : undefined);
      onProgress?.(end, size);
    }
  }
}

/** The entries of whole verified bundles, from leaf `from` on (a resumed bundle's first ones are stored). */
function entriesOf(window: VerifiedBundle[], from: number): MirroredEntries {
  const leaves: Uint8Array[] = [];
  const leafHashes: Buffer[] = [];
  const values: Uint8Array[] = [];
  for (const bundle of window) {
    for (let j = Math.max(0, from - bundle.start); j < bundle.leaves.length; j++) {
      leaves.push(bundle.leaves[j]!);
      values.push(bundle.values[j]!);
      leafHashes.push(bundle.leafHashes.subarray(j * DIGEST_LENGTH, (j + 1) * DIGEST_LENGTH));
    }
  }
  return { leaves, leafHashes, values };
}
