import { ClassicLevel } from 'classic-level';
import { openBytesLevel } from './open-level.js';
import { sha256 } from '../crypto/sha256.js';
import type { PublicKey, SecretKey } from '../crypto/ed25519-keys.js';
import { publicKeyOf } from '../crypto/ed25519-keys.js';
import type { Entry } from '../entry/entry.js';
import { TallyError, InvalidArgumentError } from '../errors.js';
import {
  appendLeaves,
  decodeLeaf,
  encodeLeaf,
  hashLeaf,
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  rootOfFrontier,
  type NodePlan,
  type RangeHashMemo,
} from '../log/index.js';
import type { TileId } from '../tiles/index.js';
import {
  buildMapProofAt,
  mapInsertBatch,
  mapPath,
  mapRoot,
  type MapLeaf,
  type MapProof,
} from '../map/index.js';
import { signCheckpoint, verifyCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import { mapTopSnapshotFile } from './map-top-snapshot.js';
import { StoredMap } from './stored-map.js';
import { StoredTiles } from './stored-tiles.js';
import { checkpointKey, HEAD_KEY, OLD_LAYOUT_LEAF_ZERO, valueKey } from './keys.js';

export interface LogStoreOptions {
  /** Signs every new checkpoint. */
  key: SecretKey;
  /** Checkpoint origin line. */
  origin: string;
  /**
   * Called with each new checkpoint once its batch is durable, before anyone can read it from the
   * store (the publisher keeps a copy outside the database). If it fails, the integration still
   * completes but rejects: the entries are durable, and a retry finds them already present.
   */
  onCheckpoint?: (note: string) => Promise<void>;
}

export type SubmissionResult =
  | { status: 'appended'; index: number; digest: Buffer }
  | { status: 'already_present'; index: number; digest: Buffer }
  | { status: 'conflict'; index: number; existingDigest: Buffer };

export interface LogEntry {
  index: number;
  key: Buffer;
  valueDigest: Buffer;
}

export interface Head {
  checkpoint: Checkpoint;
  note: string;
}

export interface LookupResult {
  head: Head;
  mapProof: MapProof;
  /** Present when the key is in the map at this head. */
  entry?: LogEntry;
  value?: Buffer;
  inclusionProof?: Buffer[];
}

/*
 * Map records of depth <= 18 are held in memory (MapTopCache), so an insert or a map proof reads
 * only the few levels of its path below that; one more depth measured not worth its memory
 * (BENCHMARKS.md, "Log core"). The log tree is kept as tiles (StoredTiles), whose memory does not
 * grow with the log.
 */
const CACHED_MAP_DEPTH = 18;

/** LevelDB table files kept open (and mmapped): bounds the store's file-backed memory (docs/decisions.md). */
const MAX_OPEN_TABLE_FILES = 64;

/**
 * One published log in its own LevelDB: the RFC 9162 tree, the sparse Merkle map, the values and
 * the signed checkpoints. Integration is single-writer (the publisher serialises calls) and each
 * integration is ONE atomic, fsynced LevelDB batch, so the head on disk always matches the data.
 *
 * Readers see a consistent head: full tiles and bundles are immutable, partial ones only grow (a
 * reader takes the prefix its head needs), and map reads (the only in-place updates) wait until
 * no batch is being written, then run synchronously in one tick.
 */
export class LogStore {
  private head!: Head;
  private frontier!: { size: number; hashes: Buffer[] };
  private map!: StoredMap;
  private tiles!: StoredTiles;
  /** Right-edge range hashes of inclusion proofs: immutable once inside the log, so never stale. */
  private readonly rangeHashes: RangeHashMemo = new Map();
  /** The whole running integration (reads, then write), so close can wait for it. */
  private integrating: Promise<unknown> | null = null;
  /** The batch write in flight: map readers wait for it (the map is the only state updated in place). */
  private writing: Promise<unknown> | null = null;
  private closed = false;

  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly options: LogStoreOptions,
    private readonly snapshotFile: string,
  ) {}

  static async open(dir: string, options: LogStoreOptions): Promise<LogStore> {
    const db = await openBytesLevel(dir, 'log store', { maxOpenFiles: MAX_OPEN_TABLE_FILES });
    const store = new LogStore(db, options, mapTopSnapshotFile(dir));
    try {
      await store.load();
    } catch (err) {
      await db.close();
      throw err;
    }
    return store;
  }

  private get publicKey(): PublicKey {
    return publicKeyOf(this.options.key);
  }

  private async load(): Promise<void> {
    if (this.db.getSync(OLD_LAYOUT_LEAF_ZERO) !== undefined) {
      throw new TallyError(
        'INTERNAL',
        'log store uses the layout from before tiles (leaf records); this version cannot open it',
      );
    }
    const note = this.db.getSync(HEAD_KEY);
    if (note === undefined) {
      this.map = await StoredMap.load(this.db, CACHED_MAP_DEPTH);
      // A new log: its first checkpoint is the signed empty tree, written before anything else.
      this.frontier = { size: 0, hashes: [] };
      this.tiles = StoredTiles.load(this.db, 0);
      const checkpoint: Checkpoint = {
        origin: this.options.origin,
        size: 0,
        logRoot: rootOfFrontier(this.frontier),
        mapRoot: this.currentMapRoot(),
      };
      const text = signCheckpoint(checkpoint, this.options.key);
      await this.db.batch(
        [
          { type: 'put', key: HEAD_KEY, value: Buffer.from(text) },
          { type: 'put', key: checkpointKey(0), value: Buffer.from(text) },
        ],
        { sync: true },
      );
      this.head = { checkpoint, note: text };
      return;
    }
    const text = note.toString('utf8');
    const checkpoint = verifyCheckpoint(text, this.publicKey, this.options.origin);
    this.map = await StoredMap.load(this.db, CACHED_MAP_DEPTH, { file: this.snapshotFile, head: checkpoint });
    this.tiles = StoredTiles.load(this.db, checkpoint.size);
    this.frontier = this.tiles.frontier();
    // Integrity check at start: the stored tree must reproduce the signed root.
    if (!rootOfFrontier(this.frontier).equals(checkpoint.logRoot)) {
      throw new TallyError(
        'INTERNAL',
        'log store is corrupt: the stored tree does not match the signed head',
      );
    }
    if (!this.currentMapRoot().equals(checkpoint.mapRoot)) {
      throw new TallyError('INTERNAL', 'log store is corrupt: the stored map does not match the signed head');
    }
    this.head = { checkpoint, note: text };
  }

  private currentMapRoot(): Buffer {
    return mapRoot(this.map);
  }

  getHead(): Head {
    return this.head;
  }

  get size(): number {
    return this.head.checkpoint.size;
  }

  /**
   * Integrates a batch: first write wins per key; new keys are appended in order. Resolves only
   * after the batch and the new signed checkpoint are durably on disk. Callers must not overlap calls.
   */
  async integrate(submissions: Entry[]): Promise<{ results: SubmissionResult[]; head: Head }> {
    this.assertOpen();
    if (this.integrating)
      throw new TallyError('INTERNAL', 'integrate called while another integration is running');
    const integration = this.integrateNow(submissions);
    this.integrating = integration;
    try {
      return await integration;
    } finally {
      this.integrating = null;
    }
  }

  private async integrateNow(submissions: Entry[]): Promise<{ results: SubmissionResult[]; head: Head }> {
    // One walk down the map for the whole batch answers first-write-wins for every key and reads
    // (once) every record the insert below needs.
    const paths = submissions.map((s) => mapPath(s.key));
    const mapRead = await this.map.readAlong(paths);
    const results: SubmissionResult[] = [];
    const seenInBatch = new Map<string, { index: number; digest: Buffer }>();
    const newLeaves: { key: Buffer; path: Buffer; digest: Buffer; value: Buffer }[] = [];
    let nextIndex = this.frontier.size;
    submissions.forEach(({ key, value }, i) => {
      const digest = sha256(value);
      const keyId = key.toString('latin1');
      const existing = seenInBatch.get(keyId) ?? storedValue(mapRead.terminals[i]!, paths[i]!);
      if (existing) {
        results.push(
          existing.digest.equals(digest)
            ? { status: 'already_present', index: existing.index, digest }
            : { status: 'conflict', index: existing.index, existingDigest: existing.digest },
        );
        return;
      }
      const index = nextIndex++;
      seenInBatch.set(keyId, { index, digest });
      newLeaves.push({ key, path: paths[i]!, digest, value });
      results.push({ status: 'appended', index, digest });
    });
    if (newLeaves.length === 0) return { results, head: this.head };

    const leafData = newLeaves.map((l) => encodeLeaf(l.key, l.digest));
    const { frontier, newNodes } = appendLeaves(this.frontier, leafData.map(hashLeaf));
    const firstIndex = this.frontier.size;
    const map = mapInsertBatch(
      mapRead.source,
      newLeaves.map((l, i) => ({ key: l.key, logIndex: firstIndex + i, valueDigest: l.digest })),
      newLeaves.map((l) => l.path),
    );
    const checkpoint: Checkpoint = {
      origin: this.options.origin,
      size: frontier.size,
      logRoot: rootOfFrontier(frontier),
      mapRoot: map.root,
    };
    const note = signCheckpoint(checkpoint, this.options.key);
    const noteBytes = Buffer.from(note);

    const batch = this.db.batch();
    const tiles = this.tiles.stage(batch, newNodes, leafData);
    this.map.stage(batch, map.writes);
    for (const l of newLeaves) batch.put(valueKey(l.digest), l.value);
    batch.put(checkpointKey(checkpoint.size), noteBytes);
    batch.put(HEAD_KEY, noteBytes);

    const write = batch.write({ sync: true });
    this.writing = write;
    try {
      await write;
    } finally {
      this.writing = null;
    }
    let copyFailure: unknown;
    await this.options.onCheckpoint?.(note).catch((err: unknown) => (copyFailure = err));
    // Only now, with the batch durable, may the in-memory state move to the new head.
    this.frontier = frontier;
    this.map.applyCommitted(map.writes);
    this.tiles.applyCommitted(tiles);
    this.head = { checkpoint, note };
    if (copyFailure !== undefined) {
      throw new TallyError(
        'UNAVAILABLE',
        `entries committed at size ${checkpoint.size}, but recording the checkpoint failed: ${(copyFailure as Error).message}`,
      );
    }
    return { results, head: this.head };
  }

  /** Entries [start, end) of the log, within the current head. */
  async getEntries(start: number, end: number): Promise<LogEntry[]> {
    this.assertOpen();
    const size = this.size;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new InvalidArgumentError(`entries range [${start}, ${end}) is not a valid range`);
    }
    if (start >= size && !(start === 0 && end === 0)) {
      throw new TallyError(
        'OUT_OF_RANGE',
        `entries start ${start} is past the end of the log (size ${size})`,
      );
    }
    return this.tiles.leafData(start, Math.min(end, size)).map((data, i) => {
      const leaf = decodeLeaf(data);
      return { index: start + i, key: leaf.key, valueDigest: leaf.valueDigest };
    });
  }

  inclusionProof(index: number, size: number): { leafHash: Buffer; proof: Buffer[] } {
    this.assertOpen();
    this.assertWithinHead(size, 'inclusion proof size');
    const proof = this.runPlan(planInclusionProof(index, size, this.rangeHashes));
    return { leafHash: this.tiles.leafHash(index), proof };
  }

  consistencyProof(fromSize: number, toSize: number): Buffer[] {
    this.assertOpen();
    this.assertWithinHead(toSize, 'consistency proof size');
    return this.runPlan(planConsistencyProof(fromSize, toSize));
  }

  rootAt(size: number): Buffer {
    this.assertWithinHead(size, 'root size');
    return this.runPlan(planRoot(size));
  }

  /** Everything a client needs to verify key -> value against one signed checkpoint. */
  async lookup(key: Buffer): Promise<LookupResult> {
    const [result] = await this.lookupMany([key]);
    return result!;
  }

  /**
   * Lookups of several keys, all against one head. `omitValue[i]` true leaves result i without its
   * value (not read at all): a follower takes the value from one of the logs it asks.
   */
  async lookupMany(keys: readonly Buffer[], omitValue: readonly boolean[] = []): Promise<LookupResult[]> {
    this.assertOpen();
    await this.quiescent();
    // From here on, synchronous: no batch can start until this function returns.
    const head = this.head;
    return keys.map((key, i) => this.lookupAt(head, key, omitValue[i] !== true));
  }

  private lookupAt(head: Head, key: Buffer, withValue: boolean): LookupResult {
    const path = mapPath(key);
    const mapProof = buildMapProofAt(this.map, path);
    const found = mapProof.leaf && mapProof.leaf.path.equals(path) ? mapProof.leaf : null;
    if (!found) return { head, mapProof };
    const entry: LogEntry = { index: found.logIndex, key, valueDigest: found.valueDigest };
    const value = withValue ? this.db.getSync(valueKey(found.valueDigest)) : undefined;
    const inclusionProof = this.runPlan(
      planInclusionProof(found.logIndex, head.checkpoint.size, this.rangeHashes),
    );
    return { head, mapProof, entry, value: value ?? undefined, inclusionProof };
  }

  /** The bytes of a tile of the current tree (tlog-tiles), or undefined when it has none that wide. */
  getTile(tile: TileId): Buffer | undefined {
    this.assertOpen();
    return this.tiles.tileBytes(tile);
  }

  /** Entry bundle `index` with `width` entries, or undefined when the log does not hold them yet. */
  getEntryBundle(index: number, width: number): Buffer | undefined {
    this.assertOpen();
    return this.tiles.entryBundle(index, width);
  }

  /** The values of the entries of entry bundle `index` at `width`, in order. */
  getBundleValues(index: number, width: number): Buffer[] | undefined {
    this.assertOpen();
    const leaves =
      this.tiles.entryBundle(index, width) && this.tiles.leafData(index * 256, index * 256 + width);
    return leaves?.map((data) => {
      const { valueDigest } = decodeLeaf(data);
      const value = this.db.getSync(valueKey(valueDigest));
      if (value === undefined)
        throw new TallyError('INTERNAL', `value ${valueDigest.toString('hex')} is missing`);
      return value;
    });
  }

  /** Whether the log signed a checkpoint at some size in [first, end). */
  async signedSizeWithin(first: number, end: number): Promise<boolean> {
    this.assertOpen();
    const found = await this.db.keys({ gte: checkpointKey(first), lt: checkpointKey(end), limit: 1 }).all();
    return found.length > 0;
  }

  /** The sizes in [first, end) the log signed a checkpoint at, ascending, at most `limit` of them. */
  async signedSizesWithin(first: number, end: number, limit: number): Promise<number[]> {
    this.assertOpen();
    const keys = await this.db.keys({ gte: checkpointKey(first), lt: checkpointKey(end), limit }).all();
    return keys.map((key) => Number(key.readBigUInt64BE(1)));
  }

  getValue(digest: Buffer): Buffer | undefined {
    this.assertOpen();
    return this.db.getSync(valueKey(digest)) ?? undefined;
  }

  /** Stored checkpoint note at exactly this size, if the log ever published one there. */
  getCheckpointAt(size: number): string | undefined {
    return this.db.getSync(checkpointKey(size))?.toString('utf8');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.integrating) await this.integrating.catch(() => undefined);
    // Best effort: without a snapshot the next open rebuilds the map's top levels instead.
    try {
      this.map.snapshot(this.snapshotFile, this.head.checkpoint);
    } catch {
      // e.g. a read-only or full disk; nothing is lost
    }
    await this.db.close();
  }

  private async quiescent(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
  }

  private runPlan<T>(plan: NodePlan<T>): T {
    return plan.assemble(plan.nodes.map((node) => this.tiles.nodeHash(node)));
  }

  private assertWithinHead(size: number, what: string): void {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new InvalidArgumentError(`${what} ${size} is not a valid size`);
    if (size > this.size) {
      throw new TallyError('OUT_OF_RANGE', `${what} ${size} is past the current head (size ${this.size})`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new TallyError('UNAVAILABLE', 'log store is closed');
  }
}

/** The key's stored entry when the walk's terminal leaf is the key's own; copied out of the map cache. */
function storedValue(terminal: MapLeaf | null, path: Buffer): { index: number; digest: Buffer } | undefined {
  if (terminal === null || !terminal.path.equals(path)) return undefined;
  return { index: terminal.logIndex, digest: Buffer.from(terminal.valueDigest) };
}
