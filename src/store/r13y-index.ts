import { ClassicLevel } from 'classic-level';
import { openBytesLevel } from './open-level.js';
import { TallyError } from '../errors.js';
import { decodeNixValue, hashPartOfKey, keyFromHashPart, STORE_PATH_KEY_BYTES } from '../nix/index.js';
import {
  applyChange,
  emptyTally,
  isDisputed,
  NameSearch,
  pairKey,
  summarize,
  withObservation,
  type AgreementCounts,
  type PairCounts,
  type PathReport,
  type Summary,
  type Tally,
} from '../r13y/index.js';
import type { MirroredRecord, MirrorStore } from './mirror-store.js';
import { decodePathReport, encodePathReport, readU64, u64, writeU64, type LogSlots } from './r13y-record.js';

/*
 * The reproducibility report's index, in a LevelDB of its own, fed from mirrors as they grow so
 * that no request recomputes it or counts anything. Layout (docs/PROTOCOL.md, "Reproducibility
 * report: the index on disk"), one-byte tags:
 *   'V'                        -> u32 layout version (INDEX_VERSION)
 *   'L' u16 slot               -> log id (UTF-8): the logs records name by slot
 *   'C' u16 slot               -> u64 entries of that log already fed
 *   'P' key(20)                -> path report (r13y-record.ts)
 *   'N' u64 seq                -> the seq-th path to become disputed (NewlyDisputed, encoded)
 *   'Q' u16 a u16 b u64 seq    -> key(20) || name: the seq-th path logs a, b (a's id < b's) disagree on
 *   'T'                        -> u64 paths, u64 agreeing, u64 disputed
 *   'K' package name           -> u64 agreeing, u64 disputed
 *   'R' u16 a u16 b            -> u64 shared, u64 disagreeing
 * A path once disputed stays disputed (observations are never removed), so the seqs of 'N' run
 * 0..disputed-1 and those of a pair 0..disagreeing-1: a page is a seek, its total a counter. One
 * batch per fed chunk holds its reports, counters and cursor, so a crash never counts an entry
 * twice or loses one. The index is derived from the mirrors: an index of another layout is
 * cleared at open and fed again from the start.
 */
const INDEX_VERSION = 2;
const FEED_CHUNK = 20_000;
const TAG = { version: 0x56, log: 0x4c, cursor: 0x43, path: 0x50, newly: 0x4e, pair: 0x51 } as const;
const COUNTS = { overall: 0x54, pkg: 0x4b, pair: 0x52 } as const;
const VERSION_KEY = Buffer.from([TAG.version]);
const TOTALS_KEY = Buffer.from([COUNTS.overall]);

/** A path that became disputed, as the Atom feed and the dispute list show it. */
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

/** Where the values of fed records are read: their log's mirror. */
export type MirroredValues = Pick<MirrorStore, 'values'>;

export interface DisputePage {
  total: number;
  items: { hashPart: string; name: string }[];
}

const tagged = (tag: number, ...parts: (Buffer | number[])[]) =>
  Buffer.concat([Buffer.from([tag]), ...parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p)))]);
const u16 = (n: number) => [n >> 8, n & 0xff];
const pathKey = (key: Buffer) => {
  const out = Buffer.allocUnsafe(1 + key.length);
  out[0] = TAG.path;
  key.copy(out, 1);
  return out;
};
const newlyKey = (seq: number) => tagged(TAG.newly, u64(seq));
const pairListKey = (a: number, b: number, seq: number) => tagged(TAG.pair, u16(a), u16(b), u64(seq));
const counts = (a: number, b: number) => {
  const buf = Buffer.allocUnsafe(16);
  writeU64(buf, writeU64(buf, 0, a), b);
  return buf;
};

/** 'N' values: key(20), u16 slot of the log that broke agreement, u64 its first checkpoint size, u64 ms since the epoch, name. */
const NEWLY_NAME_AT = 38;

const nameOfNewly = (value: Buffer) => value.toString('latin1', NEWLY_NAME_AT);
const NEWLY_RANGE = { gte: Buffer.from([TAG.newly]), lt: Buffer.from([TAG.newly + 1]) };

function encodeNewly(key: Buffer, slot: number, firstCheckpointSize: number, at: Date, name: string): Buffer {
  const buf = Buffer.allocUnsafe(NEWLY_NAME_AT + name.length);
  key.copy(buf, 0);
  buf.writeUInt16BE(slot, 20);
  writeU64(buf, 22, firstCheckpointSize);
  writeU64(buf, 30, at.getTime());
  buf.write(name, NEWLY_NAME_AT, 'latin1');
  return buf;
}

/** An entry of one fed chunk: the path's report before the chunk (from disk) and after. */
interface Changed {
  key: Buffer;
  before: PathReport | undefined;
  after: PathReport | undefined;
}

export class R13yIndex {
  private readonly slots = new Map<string, number>();
  private readonly logIds: string[] = [];
  private readonly slotTable: LogSlots = {
    slotOf: (logId) => this.slots.get(logId)!,
    logIdOf: (slot) => {
      const logId = this.logIds[slot];
      if (logId === undefined)
        throw new TallyError('INTERNAL', `r13y index is corrupt: no log in slot ${slot}`);
      return logId;
    },
  };

  /** The disputed paths' names by seq, for the name filter (the only search that is not a seek). */
  private readonly disputedNames = new NameSearch();

  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private tally: Tally,
  ) {}

  static async open(dir: string): Promise<R13yIndex> {
    const db = await openBytesLevel(dir, 'the r13y index');
    const version = await db.get(VERSION_KEY);
    if (version === undefined || version.readUInt32BE(0) !== INDEX_VERSION) {
      await db.clear(); // an older layout (or none): rebuilt from the mirrors
      await db.put(VERSION_KEY, Buffer.from([0, 0, 0, INDEX_VERSION]));
    }
    const index = new R13yIndex(db, emptyTally());
    for await (const [key, logId] of db.iterator({
      gt: Buffer.from([TAG.log]),
      lt: Buffer.from([TAG.log + 1]),
    })) {
      index.remember(key.readUInt16BE(1), logId.toString('utf8'));
    }
    index.tally = await index.loadTally();
    for await (const value of db.values(NEWLY_RANGE)) index.disputedNames.add(nameOfNewly(value));
    return index;
  }

  private remember(slot: number, logId: string): void {
    this.slots.set(logId, slot);
    this.logIds[slot] = logId;
  }

  private async loadTally(): Promise<Tally> {
    const tally = emptyTally();
    const totals = await this.db.get(TOTALS_KEY);
    if (totals !== undefined) {
      tally.paths = readU64(totals, 0);
      tally.overall = { agreeing: readU64(totals, 8), disputed: readU64(totals, 16) };
    }
    const range = (tag: number) => ({ gt: Buffer.from([tag]), lt: Buffer.from([tag + 1]) });
    for await (const [key, value] of this.db.iterator(range(COUNTS.pkg))) {
      tally.byPackage[key.toString('utf8', 1)] = { agreeing: readU64(value, 0), disputed: readU64(value, 8) };
    }
    for await (const [key, value] of this.db.iterator(range(COUNTS.pair))) {
      const a = this.slotTable.logIdOf(key.readUInt16BE(1));
      const b = this.slotTable.logIdOf(key.readUInt16BE(3));
      tally.byPair[pairKey(a, b)] = { shared: readU64(value, 0), disagreeing: readU64(value, 8) };
    }
    return tally;
  }

  /** How many entries of `logId` the index holds: where the next feed starts. */
  async fedSize(logId: string): Promise<number> {
    const slot = this.slots.get(logId);
    if (slot === undefined) return 0;
    const stored = await this.db.get(tagged(TAG.cursor, u16(slot)));
    return stored === undefined ? 0 : readU64(stored, 0);
  }

  /**
   * Adds a log's records, which must start at `fedSize(logId)` and run in index order (what
   * `MirrorStore.records(fedSize)` yields), reading the values it needs from `values`. Entries whose key or value is not a Nix output are
   * counted as fed and otherwise ignored: the report is about store paths.
   */
  async feed(
    logId: string,
    records: AsyncIterable<MirroredRecord>,
    values: MirroredValues,
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
        await this.feedChunk(logId, fed, chunk, values, now());
        fed += chunk.length;
        chunk = [];
      }
    }
    if (chunk.length > 0) {
      await this.feedChunk(logId, fed, chunk, values, now());
      fed += chunk.length;
    }
    return fed;
  }

  private slotFor(logId: string, batch: ReturnType<ClassicLevel<Buffer, Buffer>['batch']>): number {
    let slot = this.slots.get(logId);
    if (slot === undefined) {
      slot = this.logIds.length;
      if (slot >= 0xffff) throw new TallyError('INTERNAL', 'the r13y index holds 65,535 logs already');
      this.remember(slot, logId);
      batch.put(tagged(TAG.log, u16(slot)), Buffer.from(logId, 'utf8'));
    }
    return slot;
  }

  private async feedChunk(
    logId: string,
    fed: number,
    chunk: MirroredRecord[],
    values: MirroredValues,
    at: Date,
  ): Promise<void> {
    const batch = this.db.batch();
    const slot = this.slotFor(logId, batch);
    // One entry per key, in the chunk's order; a log holds each key once, so only a replay repeats one.
    const byKey = new Map<string, Changed & { records: MirroredRecord[] }>();
    for (const record of chunk) {
      if (record.key.length !== STORE_PATH_KEY_BYTES) continue;
      const id = record.key.toString('latin1');
      const seen = byKey.get(id);
      if (seen === undefined)
        byKey.set(id, { key: record.key, before: undefined, after: undefined, records: [record] });
      else seen.records.push(record);
    }
    const changed = [...byKey.values()];
    const stored = await this.db.getMany(changed.map((c) => pathKey(c.key)));
    // Values are read only where no log logged the same value for the path before: a value whose
    // digest equals one already read is that value, byte for byte.
    const unread: MirroredRecord[] = [];
    changed.forEach((c, i) => {
      const bytes = stored[i];
      c.before =
        bytes === undefined ? undefined : decodePathReport(hashPartOfKey(c.key), bytes, this.slotTable);
      const logged = c.before?.observations;
      if (logged?.some((o) => o.logId === logId)) return; // a replay
      for (const record of c.records) {
        const digest = record.valueDigest.toString('hex');
        if (!logged?.some((o) => o.valueDigest === digest)) unread.push(record);
      }
    });
    const read = await values.values(unread.map((r) => r.valueDigest));
    const valueOf = new Map(unread.map((r, i) => [r, read[i]!]));
    for (const c of changed) {
      c.after = c.before;
      const hashPart = c.before?.hashPart ?? hashPartOfKey(c.key);
      for (const record of c.records)
        c.after = observe(c.after, hashPart, logId, record, valueOf.get(record));
    }

    const tally = this.tally;
    const newlyDisputedNames: string[] = [];
    const touchedPackages = new Set<string>();
    const touchedPairs = new Set<string>();
    for (const { key, before, after } of changed) {
      if (after === undefined || after === before) continue;
      const newlyDisputed = isDisputed(after) && (before === undefined || !isDisputed(before));
      const seq = tally.overall.disputed;
      // The pairs the new observation disagrees with, each listed at its count before this path.
      const mine = after.observations.find((o) => o.logId === logId)!;
      for (const other of after.observations) {
        if (other === mine) continue;
        const [a, b] = other.logId < logId ? [other, mine] : [mine, other];
        const pair = pairKey(a.logId, b.logId);
        touchedPairs.add(pair);
        if (other.valueDigest === mine.valueDigest) continue;
        const listed = tally.byPair[pair]?.disagreeing ?? 0;
        const entry = Buffer.concat([key, Buffer.from(after.name, 'latin1')]);
        batch.put(pairListKey(this.slots.get(a.logId)!, this.slots.get(b.logId)!, listed), entry);
      }
      applyChange(tally, before, after);
      touchedPackages.add(after.packageName);
      batch.put(pathKey(key), encodePathReport(after, this.slotTable));
      if (newlyDisputed) {
        const since = after.disputedSince!;
        const slotOfSince = this.slots.get(since.logId)!;
        batch.put(newlyKey(seq), encodeNewly(key, slotOfSince, since.firstCheckpointSize, at, after.name));
        newlyDisputedNames.push(after.name);
      }
    }
    for (const name of touchedPackages) {
      const c: AgreementCounts | undefined = tally.byPackage[name];
      const key = tagged(COUNTS.pkg, Buffer.from(name, 'utf8'));
      if (c === undefined) batch.del(key);
      else batch.put(key, counts(c.agreeing, c.disputed));
    }
    for (const pair of touchedPairs) {
      const c: PairCounts | undefined = tally.byPair[pair];
      const [a, b] = pair.split('\n') as [string, string];
      const key = tagged(COUNTS.pair, u16(this.slots.get(a)!), u16(this.slots.get(b)!));
      if (c === undefined) batch.del(key);
      else batch.put(key, counts(c.shared, c.disagreeing));
    }
    const totals = Buffer.allocUnsafe(24);
    writeU64(
      totals,
      writeU64(totals, writeU64(totals, 0, tally.paths), tally.overall.agreeing),
      tally.overall.disputed,
    );
    batch.put(TOTALS_KEY, totals);
    batch.put(tagged(TAG.cursor, u16(slot)), u64(fed + chunk.length));
    try {
      await batch.write();
    } catch (err) {
      this.tally = await this.loadTally(); // the counters changed in memory only: back to what is stored
      throw err;
    }
    for (const name of newlyDisputedNames) this.disputedNames.add(name);
  }

  summary(packageLimit?: number): Summary {
    return summarize(this.tally, packageLimit);
  }

  async path(hashPart: string): Promise<PathReport | undefined> {
    const stored = await this.db.get(pathKey(keyFromHashPart(hashPart)));
    return stored === undefined ? undefined : decodePathReport(hashPart, stored, this.slotTable);
  }

  /**
   * Disputed paths in the order they became disputed, those whose name contains `name` if given,
   * `limit` from `offset`. Without a name this is a seek and a counter; with one, a search of the
   * names held in memory and a read of the page's paths.
   */
  async disputes(options: { name?: string; offset?: number; limit?: number } = {}): Promise<DisputePage> {
    const { name, offset = 0, limit = 50 } = options;
    if (name === undefined) {
      const items = await this.newlyDisputedFrom(offset, limit);
      return {
        total: this.tally.overall.disputed,
        items: items.map(({ hashPart, name }) => ({ hashPart, name })),
      };
    }
    const { total, numbers } = this.disputedNames.find(name, offset, limit);
    const found = await this.db.getMany(numbers.map(newlyKey));
    const items = found.map((v) => {
      if (v === undefined)
        throw new TallyError('INTERNAL', 'r13y index is corrupt: a disputed path is missing');
      return { hashPart: hashPartOfKey(v.subarray(0, 20)), name: nameOfNewly(v) };
    });
    return { total, items };
  }

  /** Paths logs `a` and `b` (either order) logged different values for, as they became so, `limit` from `offset`. */
  async pairDisputes(
    a: string,
    b: string,
    options: { offset?: number; limit?: number } = {},
  ): Promise<DisputePage> {
    const { offset = 0, limit = 50 } = options;
    const [first, second] = a < b ? [a, b] : [b, a];
    const total = this.tally.byPair[pairKey(first, second)]?.disagreeing ?? 0;
    const sa = this.slots.get(first);
    const sb = this.slots.get(second);
    if (total === 0 || sa === undefined || sb === undefined || offset >= total) return { total, items: [] };
    const entries = await this.db
      .values({ gte: pairListKey(sa, sb, offset), lt: pairListKey(sa, sb, Math.min(total, offset + limit)) })
      .all();
    return {
      total,
      items: entries.map((e) => ({
        hashPart: hashPartOfKey(e.subarray(0, 20)),
        name: e.toString('latin1', 20),
      })),
    };
  }

  /** The latest paths to become disputed, newest first. */
  async newlyDisputed(limit: number): Promise<NewlyDisputed[]> {
    const total = this.tally.overall.disputed;
    const from = Math.max(0, total - limit);
    return (await this.newlyDisputedFrom(from, total - from)).reverse();
  }

  private async newlyDisputedFrom(offset: number, limit: number): Promise<NewlyDisputed[]> {
    const values = await this.db.values({ gte: newlyKey(offset), lt: newlyKey(offset + limit) }).all();
    return values.map((v, i) => ({
      seq: offset + i,
      hashPart: hashPartOfKey(v.subarray(0, 20)),
      name: nameOfNewly(v),
      logId: this.slotTable.logIdOf(v.readUInt16BE(20)),
      firstCheckpointSize: readU64(v, 22),
      at: new Date(readU64(v, 30)).toISOString(),
    }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * The report with `record` added, `value` being its value if no log logged the same for the path
 * before; unchanged if the log has an observation already or the value is not a Nix output for it.
 */
function observe(
  report: PathReport | undefined,
  hashPart: string,
  logId: string,
  record: MirroredRecord,
  value: Buffer | undefined,
): PathReport | undefined {
  if (report?.observations.some((o) => o.logId === logId)) return report;
  const valueDigest = record.valueDigest.toString('hex');
  let fields: { narHash: string; narSize: number } | undefined = report?.observations.find(
    (o) => o.valueDigest === valueDigest,
  );
  let name = report?.name;
  if (fields === undefined) {
    const read = value === undefined ? undefined : readOutput(value, hashPart);
    if (read === undefined) return report;
    fields = read;
    name ??= read.name;
  }
  return withObservation(report, hashPart, name!, {
    logId,
    index: record.index,
    valueDigest,
    narHash: fields.narHash,
    narSize: fields.narSize,
    firstCheckpointSize: record.firstCheckpointSize,
  });
}

/** The fields the report shows of a value, if it is a Nix output for the path `hashPart` names. */
function readOutput(
  value: Buffer,
  hashPart: string,
): { name: string; narHash: string; narSize: number } | undefined {
  try {
    const output = decodeNixValue(value);
    const prefix = `/nix/store/${hashPart}-`;
    if (!output.storePath.startsWith(prefix)) return undefined;
    return { name: output.storePath.slice(prefix.length), narHash: output.narHash, narSize: output.narSize };
  } catch {
    return undefined;
  }
}
