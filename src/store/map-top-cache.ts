import type { ClassicLevel } from 'classic-level';
import { DIGEST_LENGTH, sha256 } from '../crypto/sha256.js';
import { TallyError } from '../errors.js';
import { mapKey } from './keys.js';
import { scanRange } from './scan.js';

// A slot holds one record: a leaf (73 bytes) or an internal node (65 bytes); its first byte is the
// record's own type prefix, so a zero first byte means an empty position.
const SLOT_BYTES = 73;
const LEAF_PREFIX = 0x02;
const NODE_PREFIX = 0x03;
const LEAF_BYTES = 73;
const NODE_BYTES = 65;
// Slots are addressed with 24-bit prefixes read from the first three key bytes.
const MAX_SUPPORTED_DEPTH = 23;

/**
 * Every map record at depth <= maxDepth, in one dense slab indexed like a binary heap
 * (slot = 2^depth - 1 + the depth-bit prefix). All inserts and proofs pass through the top of the
 * tree, and these levels are nearly full once the map is large, so a slab costs less memory than
 * any keyed map and a lookup is an index computation. Authoritative: an empty slot is an empty
 * position.
 *
 * The internal records of these levels are never written to disk (each batch would rewrite tens of
 * thousands of them): `load` rebuilds them from the persisted records one level below plus the
 * persisted leaves of these levels, and the caller checks the rebuilt root against the signed head.
 *
 * Memory: (2^(maxDepth+1) - 1) * 73 bytes, e.g. 38 MB for maxDepth 18, touched as the map grows.
 * Records returned are views into the slab: copy anything kept past the next `set`.
 */
export class MapTopCache {
  private readonly slab: Buffer;

  private constructor(readonly maxDepth: number) {
    if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_SUPPORTED_DEPTH) {
      throw new TallyError('INTERNAL', `map cache depth must be 0..${MAX_SUPPORTED_DEPTH}, got ${maxDepth}`);
    }
    this.slab = Buffer.alloc((2 ** (maxDepth + 1) - 1) * SLOT_BYTES);
  }

  /**
   * Rebuilds the cached levels from the database: one range scan over the persisted leaves of
   * depth <= maxDepth and the records of depth maxDepth + 1, then one hash per non-empty position.
   */
  static async load(db: ClassicLevel<Buffer, Buffer>, maxDepth: number): Promise<MapTopCache> {
    const cache = new MapTopCache(maxDepth);
    const boundary = maxDepth + 1;
    // Hashes of the positions one level below the current one; all zero = all empty (EMPTY_HASH).
    let below = Buffer.alloc(2 ** boundary * DIGEST_LENGTH);
    const range = { gte: mapKey(depthKey(0)), lt: mapKey(depthKey(boundary + 1)) };
    await scanRange(db, range, (key, record) => {
      const positionKey = key.subarray(1);
      const depth = positionKey.readUInt16BE(0);
      if (depth === boundary) sha256(record).copy(below, prefixOf(positionKey, depth) * DIGEST_LENGTH);
      else if (record[0] === LEAF_PREFIX) cache.set(positionKey, record);
      // Internal records above the boundary are rebuilt below, never trusted from disk.
    });
    for (let depth = maxDepth; depth >= 0; depth--) {
      const width = 2 ** depth;
      const hashes = Buffer.alloc(width * DIGEST_LENGTH);
      for (let prefix = 0; prefix < width; prefix++) {
        const offset = (width - 1 + prefix) * SLOT_BYTES;
        const children = below.subarray(2 * prefix * DIGEST_LENGTH, (2 * prefix + 2) * DIGEST_LENGTH);
        const childrenEmpty = isZero(children);
        let record: Buffer;
        if (cache.slab[offset] === LEAF_PREFIX) {
          if (!childrenEmpty) {
            throw new TallyError(
              'INTERNAL',
              `log store is corrupt: map leaf at depth ${depth} has records below it`,
            );
          }
          record = cache.slab.subarray(offset, offset + LEAF_BYTES);
        } else if (!childrenEmpty) {
          cache.slab[offset] = NODE_PREFIX;
          children.copy(cache.slab, offset + 1);
          record = cache.slab.subarray(offset, offset + NODE_BYTES);
        } else {
          continue;
        }
        sha256(record).copy(hashes, prefix * DIGEST_LENGTH);
      }
      below = hashes;
    }
    return cache;
  }

  /** The non-empty slots, each as u32be slot number then its 73 bytes: what a snapshot keeps. */
  encodeSlots(): Buffer {
    const slots = this.slab.length / SLOT_BYTES;
    const chunks: Buffer[] = [];
    for (let slot = 0; slot < slots; slot++) {
      const offset = slot * SLOT_BYTES;
      if (this.slab[offset] === 0) continue;
      const item = Buffer.allocUnsafe(4 + SLOT_BYTES);
      item.writeUInt32BE(slot, 0);
      this.slab.copy(item, 4, offset, offset + SLOT_BYTES);
      chunks.push(item);
    }
    return Buffer.concat(chunks);
  }

  /** The cache encodeSlots described, or undefined when the bytes are not such an encoding. */
  static decodeSlots(maxDepth: number, bytes: Buffer): MapTopCache | undefined {
    const cache = new MapTopCache(maxDepth);
    const slots = cache.slab.length / SLOT_BYTES;
    if (bytes.length % (4 + SLOT_BYTES) !== 0) return undefined;
    for (let at = 0; at < bytes.length; at += 4 + SLOT_BYTES) {
      const slot = bytes.readUInt32BE(at);
      const type = bytes[at + 4];
      if (slot >= slots || (type !== LEAF_PREFIX && type !== NODE_PREFIX)) return undefined;
      bytes.copy(cache.slab, slot * SLOT_BYTES, at + 4, at + 4 + SLOT_BYTES);
    }
    return cache;
  }

  /** True when the position key's depth is within the cache. */
  covers(positionKey: Buffer): boolean {
    return positionKey.readUInt16BE(0) <= this.maxDepth;
  }

  /** The record at a covered position, or undefined when it is empty. */
  get(positionKey: Buffer): Buffer | undefined {
    const offset = this.offsetOf(positionKey);
    const prefix = this.slab[offset]!;
    if (prefix === 0) return undefined;
    return this.slab.subarray(offset, offset + (prefix === LEAF_PREFIX ? LEAF_BYTES : NODE_BYTES));
  }

  /** True when a covered position holds a leaf. */
  holdsLeaf(positionKey: Buffer): boolean {
    return this.slab[this.offsetOf(positionKey)] === LEAF_PREFIX;
  }

  /** Stores the record of a covered position. Call only with committed (durably written) records. */
  set(positionKey: Buffer, record: Buffer): void {
    if (record.length !== LEAF_BYTES && record.length !== NODE_BYTES) {
      throw new TallyError('INTERNAL', `map record of ${record.length} bytes does not fit the cache`);
    }
    record.copy(this.slab, this.offsetOf(positionKey));
  }

  private offsetOf(positionKey: Buffer): number {
    const depth = positionKey.readUInt16BE(0);
    if (depth > this.maxDepth) {
      throw new TallyError('INTERNAL', `map position at depth ${depth} is below the cached depths`);
    }
    return (2 ** depth - 1 + prefixOf(positionKey, depth)) * SLOT_BYTES;
  }
}

/** The position's `depth` path bits as a number (depth <= 24; bits past depth are zero in a position key). */
function prefixOf(positionKey: Buffer, depth: number): number {
  let bits = 0;
  for (let i = 0; i < 3; i++) bits = (bits << 8) | (positionKey[2 + i] ?? 0);
  return depth === 0 ? 0 : bits >>> (24 - depth);
}

/** The position key prefix u16be(depth) that starts every key of that depth. */
function depthKey(depth: number): Buffer {
  const key = Buffer.alloc(2);
  key.writeUInt16BE(depth);
  return key;
}

function isZero(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
