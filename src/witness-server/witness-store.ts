import { ClassicLevel } from 'classic-level';
import { openTextLevel } from '../store/open-level.js';
import type { CosignedCheckpoint } from '../witness/add-checkpoint.js';
import type { WitnessEvidenceRecord } from './witness-evidence.js';

/*
 * The witness's own LevelDB (<stateDir>/witness):
 *   latest/<origin>    -> JSON { size, rootHash (base64), note }   the latest cosigned checkpoint
 *   evidence/<seq>     -> JSON WitnessEvidenceRecord                 append-only; seq is 12 digits
 * Writes are gathered into one synced batch while the previous one is on its way to disk (group
 * commit), so a thousand concurrent requests cost a handful of fsyncs, not a thousand.
 */

const LATEST_PREFIX = 'latest/';
const EVIDENCE_PREFIX = 'evidence/';

interface StoredLatest {
  size: number;
  rootHash: string;
  note: string;
}

interface PendingWrite {
  key: string;
  value: string;
  done: { resolve(): void; reject(err: unknown): void };
}

export class WitnessStore {
  private pending: PendingWrite[] = [];
  private writing: Promise<void> | undefined;
  private evidenceCount = 0;

  private constructor(private readonly db: ClassicLevel<string, string>) {}

  static async open(dir: string): Promise<WitnessStore> {
    const db = await openTextLevel(dir, 'the witness store');
    const store = new WitnessStore(db);
    store.evidenceCount = (
      await db.keys({ gte: EVIDENCE_PREFIX, lt: `${EVIDENCE_PREFIX}\xff` }).all()
    ).length;
    return store;
  }

  /** Every origin's latest cosigned checkpoint. */
  async latest(): Promise<Map<string, CosignedCheckpoint>> {
    const all = new Map<string, CosignedCheckpoint>();
    for await (const [key, value] of this.db.iterator({ gte: LATEST_PREFIX, lt: `${LATEST_PREFIX}\xff` })) {
      const stored = JSON.parse(value) as StoredLatest;
      all.set(key.slice(LATEST_PREFIX.length), {
        size: stored.size,
        rootHash: Buffer.from(stored.rootHash, 'base64'),
        note: stored.note,
      });
    }
    return all;
  }

  /** Every evidence record, oldest first. */
  async evidence(): Promise<WitnessEvidenceRecord[]> {
    const records: WitnessEvidenceRecord[] = [];
    for await (const value of this.db.values({ gte: EVIDENCE_PREFIX, lt: `${EVIDENCE_PREFIX}\xff` })) {
      records.push(JSON.parse(value) as WitnessEvidenceRecord);
    }
    return records;
  }

  /** Resolves once `latest` is durable as the origin's latest cosigned checkpoint. */
  putLatest(origin: string, latest: CosignedCheckpoint): Promise<void> {
    const stored: StoredLatest = {
      size: latest.size,
      rootHash: latest.rootHash.toString('base64'),
      note: latest.note,
    };
    return this.write(LATEST_PREFIX + origin, JSON.stringify(stored));
  }

  /** Resolves once the record is durable. */
  addEvidence(record: WitnessEvidenceRecord): Promise<void> {
    const seq = String(this.evidenceCount++).padStart(12, '0');
    return this.write(EVIDENCE_PREFIX + seq, JSON.stringify(record));
  }

  private write(key: string, value: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, value, done: { resolve, reject } });
      this.writing ??= this.flush();
    });
  }

  /** Writes what is pending in one synced batch, then again for what arrived meanwhile. */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const writes = this.pending;
      this.pending = [];
      try {
        // Later writes of one key win within a batch, in the order they were queued.
        await this.db.batch(
          writes.map((w) => ({ type: 'put' as const, key: w.key, value: w.value })),
          { sync: true },
        );
        for (const w of writes) w.done.resolve();
      } catch (err) {
        for (const w of writes) w.done.reject(err);
      }
    }
    this.writing = undefined;
  }

  /** Resolves when no write is pending. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async close(): Promise<void> {
    await this.idle();
    await this.db.close();
  }
}
