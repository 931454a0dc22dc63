import { ClassicLevel } from 'classic-level';
import { openBytesLevel } from './open-level.js';
import { verifyCheckpoint } from '../checkpoint/checkpoint.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { TallyError, VerificationError } from '../errors.js';
import {
  appendLeaves,
  decodeLeaf,
  planInclusionProof,
  planRoot,
  rootOfFrontier,
  type Frontier,
} from '../log/index.js';
import { mapInsertBatch, mapPath, mapRoot } from '../map/index.js';
import { TILE_WIDTH, type TileId } from '../tiles/index.js';
import { checkpointKey, HEAD_KEY, tagged, valueKey } from './keys.js';
import { StoredMap } from './stored-map.js';
import { StoredTiles } from './stored-tiles.js';
import type { Head } from './log-store.js';

/*
 * Keys of a mirror's own (in a database of their own, beside the shared layout of keys.ts, whose
 * tags they must not reuse):
 *   'S'            -> u64 leaves stored (verified; may run ahead of the head while catching up)
 *   'K' key        -> u64 index || value digest(32) of the key's FIRST entry
 *   'A'            -> u64 leaves audited (the map 'M' holds exactly these)
 */
const STORED_KEY = Buffer.from([0x53]);
const AUDITED_KEY = Buffer.from([0x41]);
const TAG_KEY_INDEX = 0x4b;
const SYNC = { sync: true } as const;
/** Map depths kept in memory while auditing: 2.4 MB, not the 38 MB of a published log's store. */
const AUDIT_MAP_DEPTH = 15;

/**
 * Verified entries to append, in log order: their leaf data (key_length || key || value_digest,
 * well-formed), their leaf hashes (checked against a verified tile) and their values.
 */
export interface MirroredEntries {
  leaves: readonly Uint8Array[];
  leafHashes: Buffer[];
  values: readonly Uint8Array[];
}

/** A key's entry in the mirror, as of the mirror's head. */
export interface MirroredKey {
  index: number;
  digest: Buffer;
  value: Buffer | undefined;
}

/** What an audit step found wrong: the signed checkpoint it contradicts and the first entry at fault. */
export interface AuditFailure {
  note: string;
  size: number;
  firstBadIndex: number;
  detail: string;
}

/**
 * One entry of a mirrored log and the first mirrored checkpoint that includes it. Its value is read
 * apart (`values`), by those that need it.
 */
export interface MirroredRecord {
  index: number;
  key: Buffer;
  valueDigest: Buffer;
  /** The size of the first checkpoint the mirror holds whose tree includes this entry. */
  firstCheckpointSize: number;
}

const writeU64 = (target: Buffer, n: number, at: number) => {
  target.writeUInt32BE(Math.floor(n / 2 ** 32), at);
  target.writeUInt32BE(n >>> 0, at + 4);
};
const u64 = (n: number) => {
  const b = Buffer.allocUnsafe(8);
  writeU64(b, n, 0);
  return b;
};
/** A Buffer view of bytes (no copy), for LevelDB's byte encoding. */
const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const readU64 = (b: Buffer | undefined) => (b === undefined ? 0 : Number(b.readBigUInt64BE(0)));
const keyIndexKey = (key: Uint8Array) => tagged(TAG_KEY_INDEX, key);

/**
 * A whole copy of another node's log (mirror mode), in its own LevelDB with the layout of a
 * published log (keys.ts): tiles, entry bundles, values and the log's own signed checkpoints,
 * so the copy can be served byte for byte as the origin serves it. It is written only with
 * entries already verified against a signed tree (the caller's TiledLogVerifier); the store
 * recomputes the tree from them and refuses a checkpoint whose root the entries do not give.
 *
 * Beside the log: an index of each key's first entry, for decisions, and the audit's state (the
 * map recomputed from the entries, and how far it got). Single writer; every write is synced.
 */
export class MirrorStore {
  private frontier!: Frontier;
  private tiles!: StoredTiles;
  private headNote: Head | undefined;
  private audited = 0;
  private map: StoredMap | undefined;

  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly publicKey: PublicKey,
    private readonly origin: string,
  ) {}

  static async open(dir: string, publicKey: PublicKey, origin: string): Promise<MirrorStore> {
    const db = await openBytesLevel(dir, 'mirror');
    const store = new MirrorStore(db, publicKey, origin);
    try {
      store.load();
    } catch (err) {
      await db.close();
      throw err;
    }
    return store;
  }

  private load(): void {
    const stored = readU64(this.db.getSync(STORED_KEY));
    this.tiles = StoredTiles.load(this.db, stored);
    this.frontier = this.tiles.frontier();
    this.audited = readU64(this.db.getSync(AUDITED_KEY));
    const note = this.db.getSync(HEAD_KEY)?.toString('utf8');
    if (note === undefined) return;
    // Verified before it was stored; checked again so a tampered state directory cannot sneak in.
    const checkpoint = verifyCheckpoint(note, this.publicKey, this.origin);
    if (checkpoint.size > stored || !this.rootAt(checkpoint.size).equals(checkpoint.logRoot)) {
      throw new TallyError('INTERNAL', 'mirror is corrupt: the stored tree does not match its signed head');
    }
    this.headNote = { checkpoint, note };
  }

  /** The latest checkpoint all of whose entries the mirror holds; undefined before the first. */
  getHead(): Head {
    if (this.headNote === undefined) throw new TallyError('NOT_FOUND', 'the mirror holds no checkpoint yet');
    return this.headNote;
  }

  get head(): Head | undefined {
    return this.headNote;
  }

  /** Size of the mirror's head (0 before the first). */
  get size(): number {
    return this.headNote?.checkpoint.size ?? 0;
  }

  /** Verified leaves stored, the head's and those fetched since towards a newer checkpoint. */
  get storedSize(): number {
    return this.frontier.size;
  }

  get auditedSize(): number {
    return this.audited;
  }

  /**
   * Appends entries that follow the stored ones, already verified against a signed tree. With
   * `completes`, the entries end exactly at that checkpoint (signature and consistency checked by
   * the caller): the tree recomputed from every stored entry must give its root, or nothing is
   * written (VerificationError), and it becomes the head.
   */
  async append(entries: MirroredEntries, completes?: Head): Promise<void> {
    const { leaves, values } = entries;
    const { frontier, newNodes } = appendLeaves(this.frontier, entries.leafHashes);
    if (completes !== undefined) {
      const { checkpoint } = completes;
      if (frontier.size !== checkpoint.size) {
        throw new TallyError(
          'INTERNAL',
          `entries end at ${frontier.size}, the checkpoint at ${checkpoint.size}`,
        );
      }
      const root = rootOfFrontier(frontier);
      if (!root.equals(checkpoint.logRoot)) {
        throw new VerificationError(
          `the entries up to ${checkpoint.size} give root ${root.toString('hex')}, but the checkpoint signs ${checkpoint.logRoot.toString('hex')}`,
        );
      }
    }
    const indexKeys = leaves.map((leaf) => keyIndexKey(leaf.subarray(1, 1 + leaf[0]!)));
    const known = await this.db.getMany(indexKeys);
    const batch = this.db.batch();
    const seen = new Set<string>();
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i]!;
      const digestAt = 1 + leaf[0]!;
      const digest = leaf.subarray(digestAt);
      batch.put(valueKey(digest), asBuffer(values[i]!));
      // First write wins: a key seen before keeps its first entry (the audit reports the second).
      if (known[i] !== undefined) continue;
      const id = indexKeys[i]!.toString('latin1');
      if (seen.has(id)) continue;
      seen.add(id);
      const record = Buffer.allocUnsafe(8 + DIGEST_LENGTH);
      writeU64(record, this.frontier.size + i, 0);
      record.set(digest, 8);
      batch.put(indexKeys[i]!, record);
    }
    const staged = this.tiles.stage(batch, newNodes, leaves);
    batch.put(STORED_KEY, u64(frontier.size));
    if (completes !== undefined) {
      const note = Buffer.from(completes.note);
      batch.put(checkpointKey(completes.checkpoint.size), note);
      batch.put(HEAD_KEY, note);
    }
    await batch.write(SYNC);
    this.tiles.applyCommitted(staged);
    this.frontier = frontier;
    if (completes !== undefined) this.headNote = completes;
  }

  /**
   * Records a newer checkpoint whose entries the mirror already holds (all of them stored while
   * catching up to it), after checking its root against them. Same rules as `append`.
   */
  async complete(head: Head): Promise<void> {
    const { size } = head.checkpoint;
    if (size > this.storedSize) {
      throw new TallyError(
        'INTERNAL',
        `checkpoint of size ${size} beyond the ${this.storedSize} leaves stored`,
      );
    }
    const root = this.rootAt(size);
    if (!root.equals(head.checkpoint.logRoot)) {
      throw new VerificationError(
        `the entries up to ${size} give root ${root.toString('hex')}, but the checkpoint signs ${head.checkpoint.logRoot.toString('hex')}`,
      );
    }
    const note = Buffer.from(head.note);
    await this.db.batch(
      [
        { type: 'put', key: checkpointKey(size), value: note },
        { type: 'put', key: HEAD_KEY, value: note },
      ],
      SYNC,
    );
    if (size >= this.size) this.headNote = head;
  }

  /** The key's first entry if the head's tree includes it, with its value. */
  lookup(key: Buffer): MirroredKey | undefined {
    const record = this.db.getSync(keyIndexKey(key));
    if (record === undefined) return undefined;
    const index = readU64(record);
    if (index >= this.size) return undefined;
    const digest = record.subarray(8, 40);
    return { index, digest, value: this.getValue(digest) };
  }

  getValue(digest: Buffer): Buffer | undefined {
    return this.db.getSync(valueKey(digest)) ?? undefined;
  }

  /** RFC 9162 root of the first `size` stored leaves. */
  rootAt(size: number): Buffer {
    const plan = planRoot(size);
    return plan.assemble(plan.nodes.map((node) => this.tiles.nodeHash(node)));
  }

  /** The RFC 9162 inclusion proof of leaf `index` in the tree of the first `size` stored leaves. */
  inclusionProof(index: number, size: number): Buffer[] {
    const plan = planInclusionProof(index, size);
    return plan.assemble(plan.nodes.map((node) => this.tiles.nodeHash(node)));
  }

  /** Leaf data of stored leaves [start, end). */
  leafData(start: number, end: number): Buffer[] {
    return this.tiles.leafData(start, Math.min(end, this.storedSize));
  }

  // tlog-tiles resources (publisher/log-resources.ts serves a mirror as it serves its own logs).

  /** A tile within the head's tree, or undefined. */
  getTile(tile: TileId): Buffer | undefined {
    return this.withinHead(tile) ? this.tiles.tileBytes(tile) : undefined;
  }

  getEntryBundle(index: number, width: number): Buffer | undefined {
    return this.withinHead({ level: 0, index, width }) ? this.tiles.entryBundle(index, width) : undefined;
  }

  getBundleValues(index: number, width: number): Buffer[] | undefined {
    if (this.getEntryBundle(index, width) === undefined) return undefined;
    return this.tiles.leafData(index * TILE_WIDTH, index * TILE_WIDTH + width).map((leaf) => {
      const value = this.getValue(decodeLeaf(leaf).valueDigest);
      if (value === undefined) throw new TallyError('INTERNAL', 'mirror is corrupt: a value is missing');
      return value;
    });
  }

  async signedSizeWithin(first: number, end: number): Promise<boolean> {
    const found = await this.db.keys({ gte: checkpointKey(first), lt: checkpointKey(end), limit: 1 }).all();
    return found.length > 0;
  }

  /** Every mirrored checkpoint with size in [from, to], by size. */
  async checkpointsBetween(from: number, to: number): Promise<Head[]> {
    const heads: Head[] = [];
    for await (const note of this.db.values({ gte: checkpointKey(from), lte: checkpointKey(to) })) {
      const text = note.toString('utf8');
      heads.push({ note: text, checkpoint: verifyCheckpoint(text, this.publicKey, this.origin) });
    }
    return heads;
  }

  /**
   * Entries [start, end) of the head's tree with the first mirrored checkpoint that includes each:
   * what a reproducibility report reads. In index order; reads in bundles.
   */
  async *records(start = 0, end = this.size): AsyncGenerator<MirroredRecord> {
    const stop = Math.min(end, this.size);
    const checkpoints = (await this.checkpointsBetween(start + 1, this.size)).map((h) => h.checkpoint.size);
    let next = 0;
    for (let at = start; at < stop; at += TILE_WIDTH) {
      const leaves = this.leafData(at, Math.min(stop, at + TILE_WIDTH));
      for (let i = 0; i < leaves.length; i++) {
        const index = at + i;
        while (checkpoints[next]! <= index) next++;
        yield { index, ...decodeLeaf(leaves[i]!), firstCheckpointSize: checkpoints[next]! };
      }
    }
  }

  /** The values of these digests, in one read; a value the mirror lacks is corrupt state. */
  async values(digests: readonly Buffer[]): Promise<Buffer[]> {
    const found = await this.db.getMany(digests.map((d) => valueKey(d)));
    return found.map((value) => {
      if (value === undefined) throw new TallyError('INTERNAL', 'mirror is corrupt: a value is missing');
      return value;
    });
  }

  /**
   * Audits stored leaves [auditedSize, end): replays them into the map (first write wins: a key
   * seen before is a failure) and, if `at` (a mirrored checkpoint of size `end`) is given, checks
   * its tree root and its map root against the replay. Returns the failure, or null when all held
   * (the map and the audited size are then stored). A failure stores nothing.
   */
  async audit(end: number, at?: Head): Promise<AuditFailure | null> {
    const start = this.audited;
    if (end <= start) return null;
    this.map ??= await StoredMap.load(this.db, AUDIT_MAP_DEPTH);
    const leaves = this.leafData(start, end);
    const inserts = leaves.map((leaf, i) => {
      const { key, valueDigest } = decodeLeaf(leaf);
      return { key, logIndex: start + i, valueDigest };
    });
    const paths = inserts.map((insert) => mapPath(insert.key));
    const read = await this.map.readAlong(paths);
    const failOn = (firstBadIndex: number, detail: string): AuditFailure => ({
      note: at?.note ?? '',
      size: at?.checkpoint.size ?? end,
      firstBadIndex,
      detail,
    });
    const seen = new Map<string, number>();
    for (let i = 0; i < inserts.length; i++) {
      const path = paths[i]!;
      const id = path.toString('latin1');
      const terminal = read.terminals[i];
      const earlier = seen.get(id) ?? (terminal?.path.equals(path) ? terminal.logIndex : undefined);
      if (earlier !== undefined) {
        return failOn(start + i, `entry ${start + i} repeats the key of entry ${earlier}: first write wins`);
      }
      seen.set(id, start + i);
    }
    const { root, writes } = mapInsertBatch(read.source, inserts);
    if (at !== undefined) {
      const logRoot = this.rootAt(end);
      if (!logRoot.equals(at.checkpoint.logRoot)) {
        return failOn(start, `the entries give log root ${logRoot.toString('hex')} at size ${end}`);
      }
      if (!root.equals(at.checkpoint.mapRoot)) {
        return failOn(
          start,
          `entries [${start}, ${end}) give map root ${root.toString('hex')}, but the checkpoint of size ${end} signs ${at.checkpoint.mapRoot.toString('hex')}`,
        );
      }
    }
    const batch = this.db.batch();
    this.map.stage(batch, writes);
    batch.put(AUDITED_KEY, u64(end));
    await batch.write(SYNC);
    this.map.applyCommitted(writes);
    this.audited = end;
    return null;
  }

  /** The map root of the audited entries. */
  async auditedMapRoot(): Promise<Buffer> {
    this.map ??= await StoredMap.load(this.db, AUDIT_MAP_DEPTH);
    return mapRoot(this.map);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private withinHead(tile: TileId): boolean {
    const span = 256 ** tile.level;
    return (tile.index * TILE_WIDTH + tile.width) * span <= this.size;
  }
}
