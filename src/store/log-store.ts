import fs from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { sha256 } from '../crypto/sha256.js';
import type { PublicKey, SecretKey } from '../crypto/ed25519-keys.js';
import { publicKeyOf } from '../crypto/ed25519-keys.js';
import { TallyError, InvalidArgumentError } from '../errors.js';
import {
  appendLeaves,
  decodeLeaf,
  encodeLeaf,
  frontierNodeIds,
  hashLeaf,
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  rootOfFrontier,
  type NodeId,
  type NodePlan,
} from '../log/index.js';
import { buildMapProof, mapGet, mapInsertBatch, mapPath, mapRoot, type MapProof } from '../map/index.js';
import { signCheckpoint, verifyCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import { MapNodeCache } from './map-node-cache.js';
import { checkpointKey, HEAD_KEY, leafKey, leafRange, indexOfLeafKey, mapKey, nodeKey, valueKey } from './keys.js';

export interface LogStoreOptions {
  /** Signs every new checkpoint. */
  key: SecretKey;
  /** Checkpoint origin line. */
  origin: string;
}

export interface Submission {
  key: Buffer;
  value: Buffer;
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

// Positions of depth <= 16 are cached: ~2^17 records at most, a few MiB.
const CACHED_MAP_POSITION_BYTES = 4;

/**
 * One published log in its own LevelDB: the RFC 9162 tree, the sparse Merkle map, the values and
 * the signed checkpoints. Integration is single-writer (the publisher serialises calls) and each
 * integration is ONE atomic, fsynced LevelDB batch, so the head on disk always matches the data.
 *
 * Readers see a consistent head: log nodes are immutable, and map reads (the only in-place
 * updates) wait until no batch is being written, then run synchronously in one tick.
 */
export class LogStore {
  private head!: Head;
  private frontier!: { size: number; hashes: Buffer[] };
  private readonly mapNodes: MapNodeCache;
  private writing: Promise<unknown> | null = null;
  private closed = false;

  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly options: LogStoreOptions,
  ) {
    this.mapNodes = new MapNodeCache(db, CACHED_MAP_POSITION_BYTES);
  }

  static async open(dir: string, options: LogStoreOptions): Promise<LogStore> {
    fs.mkdirSync(dir, { recursive: true });
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new TallyError('UNAVAILABLE', `cannot open log store at ${dir}: ${cause}`);
    }
    const store = new LogStore(db, options);
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
    const note = this.db.getSync(HEAD_KEY);
    if (note === undefined) {
      // A new log: its first checkpoint is the signed empty tree, written before anything else.
      this.frontier = { size: 0, hashes: [] };
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
    const ids = frontierNodeIds(checkpoint.size);
    const hashes = this.readNodes(ids);
    this.frontier = { size: checkpoint.size, hashes };
    // Integrity check at start: the stored tree must reproduce the signed root.
    if (!rootOfFrontier(this.frontier).equals(checkpoint.logRoot)) {
      throw new TallyError('INTERNAL', 'log store is corrupt: the stored tree does not match the signed head');
    }
    this.head = { checkpoint, note: text };
  }

  private currentMapRoot(): Buffer {
    return mapRoot(this.mapNodes);
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
  async integrate(submissions: Submission[]): Promise<{ results: SubmissionResult[]; head: Head }> {
    this.assertOpen();
    if (this.writing) throw new TallyError('INTERNAL', 'integrate called while another integration is running');
    const results: SubmissionResult[] = [];
    const seenInBatch = new Map<string, { index: number; digest: Buffer }>();
    const newLeaves: { key: Buffer; digest: Buffer; value: Buffer }[] = [];
    let nextIndex = this.frontier.size;
    for (const { key, value } of submissions) {
      const digest = sha256(value);
      const keyId = key.toString('latin1');
      const existing = seenInBatch.get(keyId) ?? toIndexDigest(mapGet(this.mapNodes, key));
      if (existing) {
        results.push(
          existing.digest.equals(digest)
            ? { status: 'already_present', index: existing.index, digest }
            : { status: 'conflict', index: existing.index, existingDigest: existing.digest },
        );
        continue;
      }
      const index = nextIndex++;
      seenInBatch.set(keyId, { index, digest });
      newLeaves.push({ key, digest, value });
      results.push({ status: 'appended', index, digest });
    }
    if (newLeaves.length === 0) return { results, head: this.head };

    const leafData = newLeaves.map((l) => encodeLeaf(l.key, l.digest));
    const { frontier, newNodes } = appendLeaves(this.frontier, leafData.map(hashLeaf));
    const firstIndex = this.frontier.size;
    const map = mapInsertBatch(
      this.mapNodes,
      newLeaves.map((l, i) => ({ key: l.key, logIndex: firstIndex + i, valueDigest: l.digest })),
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
    leafData.forEach((data, i) => batch.put(leafKey(firstIndex + i), data));
    for (const n of newNodes) batch.put(nodeKey(n.level, n.index), n.hash);
    for (const [position, record] of map.writes) batch.put(mapKey(position), record);
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
    this.frontier = frontier;
    this.mapNodes.applyCommitted(map.writes);
    this.head = { checkpoint, note };
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
      throw new TallyError('OUT_OF_RANGE', `entries start ${start} is past the end of the log (size ${size})`);
    }
    const entries: LogEntry[] = [];
    for await (const [key, data] of this.db.iterator({ ...leafRange(start, Math.min(end, size)) })) {
      const leaf = decodeLeaf(data);
      entries.push({ index: indexOfLeafKey(key), key: leaf.key, valueDigest: leaf.valueDigest });
    }
    return entries;
  }

  inclusionProof(index: number, size: number): { leafHash: Buffer; proof: Buffer[] } {
    this.assertOpen();
    this.assertWithinHead(size, 'inclusion proof size');
    const proof = this.runPlan(planInclusionProof(index, size));
    const leafData = this.db.getSync(leafKey(index));
    if (leafData === undefined) throw new TallyError('INTERNAL', `leaf ${index} is missing from the store`);
    return { leafHash: hashLeaf(leafData), proof };
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
    this.assertOpen();
    await this.quiescent();
    // From here on, synchronous: no batch can start until this function returns.
    const head = this.head;
    const mapProof = buildMapProof(this.mapNodes, key);
    const found = mapProof.leaf && mapProof.leaf.path.equals(mapPath(key)) ? mapProof.leaf : null;
    if (!found) return { head, mapProof };
    const entry: LogEntry = { index: found.logIndex, key, valueDigest: found.valueDigest };
    const value = this.db.getSync(valueKey(found.valueDigest));
    const inclusionProof = this.runPlan(planInclusionProof(found.logIndex, head.checkpoint.size));
    return { head, mapProof, entry, value: value ?? undefined, inclusionProof };
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
    await this.quiescent();
    await this.db.close();
  }

  private async quiescent(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
  }

  private runPlan<T>(plan: NodePlan<T>): T {
    return plan.assemble(this.readNodes(plan.nodes));
  }

  private readNodes(ids: NodeId[]): Buffer[] {
    return ids.map(({ level, index }) => {
      const hash = this.db.getSync(nodeKey(level, index));
      if (hash === undefined) throw new TallyError('INTERNAL', `tree node (${level}, ${index}) is missing`);
      return hash;
    });
  }

  private assertWithinHead(size: number, what: string): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new InvalidArgumentError(`${what} ${size} is not a valid size`);
    if (size > this.size) {
      throw new TallyError('OUT_OF_RANGE', `${what} ${size} is past the current head (size ${this.size})`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new TallyError('UNAVAILABLE', 'log store is closed');
  }
}

function toIndexDigest(v: { logIndex: number; valueDigest: Buffer } | undefined) {
  return v ? { index: v.logIndex, digest: v.valueDigest } : undefined;
}
