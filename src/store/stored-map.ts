import type { ChainedBatch, ClassicLevel } from 'classic-level';
import { BatchWalk } from '../map/batch-walk.js';
import type { MapLeaf, MapNodeSource, MapWrite } from '../map/index.js';
import { mapKey } from './keys.js';
import { MapTopCache } from './map-top-cache.js';

const LEAF_RECORD_PREFIX = 0x02;

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

  /** Opens over a database, rebuilding the cached levels (depths 0..cachedDepth). */
  static async load(db: ClassicLevel<Buffer, Buffer>, cachedDepth: number): Promise<StoredMap> {
    return new StoredMap(db, await MapTopCache.load(db, cachedDepth));
  }

  get(positionKey: Buffer): Buffer | undefined {
    if (this.top.covers(positionKey)) return this.top.get(positionKey);
    return this.db.getSync(mapKey(positionKey)) ?? undefined;
  }

  /**
   * Walks all paths together, one depth at a time, reading each uncached depth with one getMany.
   * Reads committed state only: the caller must not commit map writes until it is done with the result.
   */
  async readAlong(paths: readonly Buffer[]): Promise<MapBatchRead> {
    const walk = new BatchWalk(paths);
    const deep = new Map<string, Buffer | undefined>();
    while (!walk.done) {
      const positions = walk.positions();
      if (walk.currentDepth <= this.top.maxDepth) {
        walk.supply(positions.map((p) => this.top.get(p)));
        continue;
      }
      const records = await this.db.getMany(positions.map(mapKey));
      positions.forEach((p, i) => deep.set(p.toString('latin1'), records[i]));
      walk.supply(records);
    }
    const source: MapNodeSource = {
      get: (positionKey) => {
        if (this.top.covers(positionKey)) return this.top.get(positionKey);
        const id = positionKey.toString('latin1');
        return deep.has(id) ? deep.get(id) : this.get(positionKey);
      },
    };
    return { terminals: walk.terminals(), source };
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
