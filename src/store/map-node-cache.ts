import type { ClassicLevel } from 'classic-level';
import { mapKey } from './keys.js';

/**
 * Synchronous map-node reads for the sparse Merkle tree, with an in-memory cache of the shallow
 * positions: every insert and every proof walks through the top of the tree, so those few
 * thousand records are worth keeping hot; deeper ones are read with getSync.
 */
export class MapNodeCache {
  private readonly shallow = new Map<string, Buffer | null>();

  constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly maxCachedPositionBytes: number,
  ) {}

  get(positionKey: Buffer): Buffer | undefined {
    const cacheable = positionKey.length <= this.maxCachedPositionBytes;
    if (cacheable) {
      const hit = this.shallow.get(positionKey.toString('latin1'));
      if (hit !== undefined) return hit ?? undefined;
    }
    const record = this.db.getSync(mapKey(positionKey)) ?? undefined;
    if (cacheable) this.shallow.set(positionKey.toString('latin1'), record ?? null);
    return record;
  }

  /** Called only after a batch is durably written, so the cache never runs ahead of the disk. */
  applyCommitted(writes: ReadonlyArray<readonly [Buffer, Buffer]>): void {
    for (const [positionKey, record] of writes) {
      if (positionKey.length <= this.maxCachedPositionBytes) this.shallow.set(positionKey.toString('latin1'), record);
    }
  }
}
