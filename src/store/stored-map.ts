import type { ChainedBatch, ClassicLevel } from 'classic-level';
import { BatchWalk } from '../map/batch-walk.js';
import { positionKey, type MapLeaf, type MapNodeSource, type MapWrite } from '../map/index.js';
import { walkToTerminal } from '../map/walk.js';
import { mapKey } from './keys.js';
import { MapTopCache } from './map-top-cache.js';
import { readMapTopSnapshot, writeMapTopSnapshot, type SnapshotHead } from './map-top-snapshot.js';

const LEAF_RECORD_PREFIX = 0x02;
const NODE_RECORD_PREFIX = 0x03;

/** What one batch read of the map found, and a source that answers the insert walk from memory. */
export interface MapBatchRead {
  /** Per path: the leaf at its terminal (a view: copy what you keep), or null for an empty terminal. */
  terminals: (MapLeaf | null)[];
  /** Serves every position the walk read, so mapInsertBatch on these paths reads nothing twice. */
  source: MapNodeSource;
}

/**
 * The map's node records as the map core reads them: the top levels from a MapTopCache, deeper
 * positions from LevelDB. Single-writer: the cache changes only in applyCommitted, after the batch
 * holding those records is durable.
 */
export class StoredMap implements MapNodeSource {
  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly top: MapTopCache,
  ) {}

  /**
   * Opens over a database: the cached levels (depths 0..cachedDepth) from the snapshot written at
   * the last clean close when one is given and it is of its head, else rebuilt from the database.
   */
  static async load(
    db: ClassicLevel<Buffer, Buffer>,
    cachedDepth: number,
    snapshot?: { file: string; head: SnapshotHead },
  ): Promise<StoredMap> {
    const top =
      (snapshot && readMapTopSnapshot(snapshot.file, cachedDepth, snapshot.head)) ??
      (await MapTopCache.load(db, cachedDepth));
    return new StoredMap(db, top);
  }

  /** Snapshots the cached levels for the next open; call with no batch in flight. */
  snapshot(snapshotFile: string, head: SnapshotHead): void {
    writeMapTopSnapshot(snapshotFile, this.top, head);
  }

  get(positionKey: Buffer): Buffer | undefined {
    if (this.top.covers(positionKey)) return this.top.get(positionKey);
    return this.db.getSync(mapKey(positionKey)) ?? undefined;
  }

  /**
   * Finds every path's terminal, reading each position at most once. Paths that end within the
   * cached depths are walked there; the others (those whose cached depth-`maxDepth` position is an
   * internal node, so every position above it is internal too) walk on together below the cache,
   * one depth at a time, with one getMany per depth. Reads committed state only: the caller must
   * not commit map writes until it is done with the result.
   */
  async readAlong(paths: readonly Buffer[]): Promise<MapBatchRead> {
    const terminals = new Array<MapLeaf | null>(paths.length).fill(null);
    const continuing: number[] = [];
    paths.forEach((path, i) => {
      const bottom = this.top.get(positionKey(this.top.maxDepth, path));
      if (bottom !== undefined && bottom[0] === NODE_RECORD_PREFIX) continuing.push(i);
      else terminals[i] = walkToTerminal(this.top, path).leaf;
    });

    const walk = new BatchWalk(
      continuing.map((i) => paths[i]!),
      this.top.maxDepth + 1,
    );
    const deep = new Map<string, Buffer | undefined>();
    while (!walk.done) {
      const positions = walk.positions();
      const records = await this.db.getMany(positions.map(mapKey));
      positions.forEach((p, i) => deep.set(p.toString('latin1'), records[i]));
      walk.supply(records);
    }
    walk.terminals().forEach((leaf, j) => (terminals[continuing[j]!] = leaf));

    const source: MapNodeSource = {
      get: (key) => {
        if (this.top.covers(key)) return this.top.get(key);
        const id = key.toString('latin1');
        return deep.has(id) ? deep.get(id) : this.get(key);
      },
    };
    return { terminals, source };
  }

  /**
   * Adds a batch's map writes to a database batch. Internal records of the cached depths are not
   * persisted (MapTopCache.load rebuilds them); a cached leaf pushed down by new keys is deleted, so
   * the persisted leaves of those depths are exactly the current ones.
   */
  stage(
    batch: ChainedBatch<ClassicLevel<Buffer, Buffer>, Buffer, Buffer>,
    writes: readonly MapWrite[],
  ): void {
    for (const [positionKey, record] of writes) {
      if (!this.top.covers(positionKey) || record[0] === LEAF_RECORD_PREFIX)
        batch.put(mapKey(positionKey), record);
      else if (this.top.holdsLeaf(positionKey)) batch.del(mapKey(positionKey));
    }
  }

  /** Updates the cached levels; call only after the batch holding these writes is durably written. */
  applyCommitted(writes: readonly MapWrite[]): void {
    for (const [positionKey, record] of writes) {
      if (this.top.covers(positionKey)) this.top.set(positionKey, record);
    }
  }
}
