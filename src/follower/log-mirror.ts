import type { Head } from '../store/log-store.js';
import type { MirroredEntry, MirrorStore } from '../store/mirror-store.js';
import { encodeLeaf } from '../log/index.js';
import { TILE_WIDTH, type TileId } from '../tiles/index.js';
import { tileKey } from '../tiles/index.js';
import { TiledLogVerifier } from '../verify/tiled-log.js';
import type { LogResourceSource, VerifiedTileCache } from '../verify/tile-sources.js';

/** Bundles fetched together, and windows in flight: 2 x 4 bundles fit the verifier's 8 recent ones. */
const WINDOW_BUNDLES = 4;

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

  /**
   * Brings the mirror up to `target`, a checkpoint whose signature, origin and consistency with
   * every stored head the caller has checked. Throws (VerificationError, or the source's error)
   * when the log's resources do not verify or cannot be fetched; what was stored stays.
   */
  /** Ends a running catch-up after the window being written (it resumes from there next time). */
  stop(): void {
    this.stopped = true;
  }

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
    const windowEnd = (at: number) =>
      Math.min(size, (Math.floor(at / TILE_WIDTH) + WINDOW_BUNDLES) * TILE_WIDTH);
    let at = store.storedSize;
    let next: Promise<MirroredEntry[]> | undefined = fetchRange(verifier, at, windowEnd(at));
    while (next !== undefined && !this.stopped) {
      const end = windowEnd(at);
      const entries: MirroredEntry[] = await next;
      // The next window downloads while this one is written.
      next = end < size ? fetchRange(verifier, end, windowEnd(end)) : undefined;
      next?.catch(() => undefined);
      await store.append(entries, end === size ? target : undefined);
      at = end;
      onProgress?.(at, size);
    }
  }
}

/** Entries [start, end) with their values, verified. */
async function fetchRange(verifier: TiledLogVerifier, start: number, end: number): Promise<MirroredEntry[]> {
  const indices = Array.from({ length: end - start }, (_, i) => start + i);
  const [entries, values] = await Promise.all([
    Promise.all(indices.map((i) => verifier.entry(i))),
    Promise.all(indices.map((i) => verifier.value(i))),
  ]);
  return entries.map((e, i) => ({ leaf: encodeLeaf(e.key, e.valueDigest), value: values[i]! }));
}
