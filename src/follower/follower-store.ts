import { ClassicLevel } from 'classic-level';
import { openTextLevel } from '../store/open-level.js';
import type { EvidenceRecord, StoredHead, StoredReset } from './evidence.js';

/*
 * The follower's own LevelDB (<stateDir>/follower), separate from the published logs:
 *   head/<logId>             -> JSON StoredHead   (overwritten as the head advances)
 *   evidence/<logId>/<seq>   -> JSON EvidenceRecord (append-only; seq is 12 decimal digits)
 *   reset/<logId>            -> JSON StoredReset  (the operator's latest `tally follow reset`)
 *   witnessed/<logId>        -> JSON StoredHead   (the latest head with the witness quorum, when required)
 *   tile/<logId>/<L>/<N>     -> the 8,192 bytes of full tile (L, N) of a log followed over tiles,
 *                               verified against a head the follower accepted (FollowerTiles)
 * Every write is synced: a head must never go back after a crash, and evidence must not vanish.
 */

const HEAD_PREFIX = 'head/';
const EVIDENCE_PREFIX = 'evidence/';
const RESET_PREFIX = 'reset/';
const TILE_PREFIX = 'tile/';
const WITNESSED_PREFIX = 'witnessed/';
const BYTES = { valueEncoding: 'buffer' } as const;
const SYNC = { sync: true } as const;

export class FollowerStore {
  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private evidenceCount: number,
  ) {}

  static async open(dir: string): Promise<FollowerStore> {
    const db = await openTextLevel(dir, 'follower store');
    const store = new FollowerStore(db, 0);
    store.evidenceCount = (await store.allEvidence()).length;
    return store;
  }

  heads(): Promise<Map<string, StoredHead>> {
    return this.byLog<StoredHead>(HEAD_PREFIX);
  }

  witnessedHeads(): Promise<Map<string, StoredHead>> {
    return this.byLog<StoredHead>(WITNESSED_PREFIX);
  }

  async putWitnessed(logId: string, head: StoredHead): Promise<void> {
    await this.db.put(WITNESSED_PREFIX + logId, JSON.stringify(head), SYNC);
  }

  resets(): Promise<Map<string, StoredReset>> {
    return this.byLog<StoredReset>(RESET_PREFIX);
  }

  async putReset(logId: string, reset: StoredReset): Promise<void> {
    await this.db.put(RESET_PREFIX + logId, JSON.stringify(reset), SYNC);
  }

  private async byLog<T>(prefix: string): Promise<Map<string, T>> {
    const records = new Map<string, T>();
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: `${prefix}\xff` })) {
      records.set(key.slice(prefix.length), JSON.parse(value) as T);
    }
    return records;
  }

  async putHead(logId: string, head: StoredHead): Promise<void> {
    await this.db.put(HEAD_PREFIX + logId, JSON.stringify(head), SYNC);
  }

  /** Full tile (level, index) of log `logId`, if stored. */
  getTile(logId: string, level: number, index: number): Promise<Buffer | undefined> {
    return this.db.get<string, Buffer>(tileKeyOf(logId, level, index), BYTES);
  }

  /**
   * Stores full tiles of log `logId` in one batch. Not synced: a tile lost in a crash is fetched
   * and verified again, and nothing is ever trusted because it is missing.
   */
  async putTiles(logId: string, tiles: { level: number; index: number; bytes: Uint8Array }[]): Promise<void> {
    if (tiles.length === 0) return;
    await this.db.batch<string, Buffer>(
      tiles.map((t) => ({
        type: 'put' as const,
        key: tileKeyOf(logId, t.level, t.index),
        value: Buffer.from(t.bytes),
      })),
      BYTES,
    );
  }

  /** Every evidence record, oldest first. */
  async allEvidence(): Promise<EvidenceRecord[]> {
    const records: { seq: string; record: EvidenceRecord }[] = [];
    for await (const [key, value] of this.db.iterator({
      gte: EVIDENCE_PREFIX,
      lt: `${EVIDENCE_PREFIX}\xff`,
    })) {
      records.push({ seq: key.slice(key.lastIndexOf('/') + 1), record: JSON.parse(value) as EvidenceRecord });
    }
    return records.sort((a, b) => (a.seq < b.seq ? -1 : 1)).map((r) => r.record);
  }

  async addEvidence(record: EvidenceRecord): Promise<void> {
    const seq = String(this.evidenceCount++).padStart(12, '0');
    await this.db.put(`${EVIDENCE_PREFIX}${record.logId}/${seq}`, JSON.stringify(record), SYNC);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function tileKeyOf(logId: string, level: number, index: number): string {
  return `${TILE_PREFIX}${logId}/${level}/${index}`;
}
