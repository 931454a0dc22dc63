import { ClassicLevel } from 'classic-level';
import { openTextLevel } from './open-level.js';
import { TallyError } from '../errors.js';
import { decodeNixValue, hashPartOfKey, parseStorePath, STORE_PATH_KEY_BYTES } from '../nix/index.js';
import {
  applyChange,
  disagreeingPairs,
  emptyTally,
  isDisputed,
  summarize,
  withObservation,
  type PathReport,
  type Summary,
  type Tally,
} from '../r13y/index.js';
import type { MirroredRecord } from './mirror-store.js';

/*
 * The reproducibility report's index, in a LevelDB of its own, fed from mirrors as they grow so
 * that no request recomputes it. Keys (utf8):
 *   'p/' hashPart          -> PathReport (JSON)
 *   'd/' hashPart          -> store-path name, for each disputed path
 *   'n/' u64 hex seq       -> NewlyDisputed (JSON), in the order paths became disputed
 *   'q/' a '/' b '/' hashPart -> store-path name, for each path logs a < b disagree on
 *   'c/' logId             -> entries of that log already fed (decimal)
 *   't'                    -> Tally (JSON)
 * One batch per fed chunk holds the path reports, the tally and the cursor, so a crash never
 * counts an entry twice or loses one.
 */
const TALLY_KEY = 't';
const FEED_CHUNK = 10_000;

/** A path that became disputed, as the Atom feed lists it. */
export interface NewlyDisputed {
  seq: number;
  hashPart: string;
  name: string;
  /** The log whose entry broke agreement, and the first checkpoint of that log including it. */
  logId: string;
  firstCheckpointSize: number;
  /** ISO 8601, when this index saw it. */
  at: string;
}

export interface DisputePage {
  total: number;
  items: { hashPart: string; name: string }[];
}

const seqKey = (seq: number) => 'n/' + seq.toString(16).padStart(16, '0');
/** Log ids are hex, so '/' cannot occur in them; a < b. */
const pairPrefix = (a: string, b: string) => `q/${a}/${b}/`;

export class R13yIndex {
  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private tally: Tally,
    private nextSeq: number,
  ) {}

  static async open(dir: string): Promise<R13yIndex> {
    const db = await openTextLevel(dir, 'the r13y index');
    const stored = await db.get(TALLY_KEY);
    const tally = stored === undefined ? emptyTally() : (JSON.parse(stored) as Tally);
    const last = await db.keys({ gte: 'n/', lt: 'n0', reverse: true, limit: 1 }).all();
    const nextSeq = last.length === 0 ? 0 : parseInt(last[0]!.slice(2), 16) + 1;
    return new R13yIndex(db, tally, nextSeq);
  }

  /** How many entries of `logId` the index holds: where the next feed starts. */
  async fedSize(logId: string): Promise<number> {
    const stored = await this.db.get('c/' + logId);
    return stored === undefined ? 0 : Number(stored);
  }

  /**
   * Adds a log's records, which must start at `fedSize(logId)` and run in index order (what
   * `MirrorStore.records(fedSize)` yields). Entries whose key or value is not a Nix output are
   * counted as fed and otherwise ignored: the report is about store paths.
   */
  async feed(
    logId: string,
    records: AsyncIterable<MirroredRecord>,
    now: () => Date = () => new Date(),
  ): Promise<number> {
    let fed = await this.fedSize(logId);
    let chunk: MirroredRecord[] = [];
    for await (const record of records) {
      if (record.index !== fed + chunk.length) {
        throw new TallyError(
          'INTERNAL',
          `r13y index of ${logId} expected entry ${fed + chunk.length}, got ${record.index}`,
        );
      }
      chunk.push(record);
      if (chunk.length === FEED_CHUNK) {
        await this.feedChunk(logId, fed, chunk, now());
        fed += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) {
      await this.feedChunk(logId, fed, chunk, now());
      fed += chunk.length;
    }
    return fed;
  }

  private async feedChunk(logId: string, fed: number, chunk: MirroredRecord[], at: Date): Promise<void> {
    const parsed = chunk.flatMap((record) => {
      if (record.key.length !== STORE_PATH_KEY_BYTES) return [];
      try {
        const output = decodeNixValue(record.value);
        const storePath = parseStorePath(output.storePath);
        const hashPart = hashPartOfKey(record.key);
        if (storePath.hashPart !== hashPart) return [];
        return [{ record, output, hashPart, name: storePath.name }];
      } catch {
        return [];
      }
    });
    const hashParts = [...new Set(parsed.map((p) => p.hashPart))];
    const stored = await this.db.getMany(hashParts.map((h) => 'p/' + h));
    const reports = new Map<string, PathReport | undefined>();
    hashParts.forEach((h, i) =>
      reports.set(h, stored[i] === undefined ? undefined : (JSON.parse(stored[i]!) as PathReport)),
    );
    const before = new Map(reports);
    for (const { record, output, hashPart, name } of parsed) {
      reports.set(
        hashPart,
        withObservation(reports.get(hashPart), hashPart, name, {
          logId,
          index: record.index,
          valueDigest: record.valueDigest.toString('hex'),
          narHash: output.narHash,
          narSize: output.narSize,
          firstCheckpointSize: record.firstCheckpointSize,
        }),
      );
    }
    // The tally changes only when the batch is written: computed on a copy, swapped in after.
    const tally = structuredClone(this.tally);
    const batch = this.db.batch();
    let seq = this.nextSeq;
    for (const [hashPart, after] of reports) {
      const old = before.get(hashPart);
      if (after === undefined || after === old) continue;
      applyChange(tally, old, after);
      batch.put('p/' + hashPart, JSON.stringify(after));
      // A pair that disagrees keeps disagreeing (observations are never removed): puts are idempotent.
      for (const [a, b] of disagreeingPairs(after)) batch.put(pairPrefix(a, b) + hashPart, after.name);
      if (isDisputed(after) && (old === undefined || !isDisputed(old))) {
        batch.put('d/' + hashPart, after.name);
        const since = after.disputedSince!;
        const item: NewlyDisputed = { seq, hashPart, name: after.name, ...since, at: at.toISOString() };
        batch.put(seqKey(seq++), JSON.stringify(item));
      }
    }
    batch.put('c/' + logId, String(fed + chunk.length));
    batch.put(TALLY_KEY, JSON.stringify(tally));
    await batch.write();
    this.tally = tally;
    this.nextSeq = seq;
  }

  summary(packageLimit?: number): Summary {
    return summarize(this.tally, packageLimit);
  }

  async path(hashPart: string): Promise<PathReport | undefined> {
    const stored = await this.db.get('p/' + hashPart);
    return stored === undefined ? undefined : (JSON.parse(stored) as PathReport);
  }

  /** Disputed paths by hash part, those whose name contains `name` if given, `limit` from `offset`. */
  async disputes(options: { name?: string; offset?: number; limit?: number } = {}): Promise<DisputePage> {
    const { name, offset = 0, limit = 50 } = options;
    const items: DisputePage['items'] = [];
    let total = 0;
    for await (const [key, pathName] of this.db.iterator({ gte: 'd/', lt: 'd0' })) {
      if (name !== undefined && !pathName.includes(name)) continue;
      if (total >= offset && items.length < limit) items.push({ hashPart: key.slice(2), name: pathName });
      total++;
    }
    return { total, items };
  }

  /** Paths logs `a` and `b` (either order) logged different values for, by hash part, `limit` from `offset`. */
  async pairDisputes(
    a: string,
    b: string,
    options: { offset?: number; limit?: number } = {},
  ): Promise<DisputePage> {
    const { offset = 0, limit = 50 } = options;
    const prefix = a < b ? pairPrefix(a, b) : pairPrefix(b, a);
    const items: DisputePage['items'] = [];
    let total = 0;
    for await (const [key, pathName] of this.db.iterator({ gt: prefix, lt: prefix.slice(0, -1) + '0' })) {
      if (total >= offset && items.length < limit) {
        items.push({ hashPart: key.slice(prefix.length), name: pathName });
      }
      total++;
    }
    return { total, items };
  }

  /** The latest paths to become disputed, newest first. */
  async newlyDisputed(limit: number): Promise<NewlyDisputed[]> {
    const values = await this.db.values({ gte: 'n/', lt: 'n0', reverse: true, limit }).all();
    return values.map((v) => JSON.parse(v) as NewlyDisputed);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
