/**
 * LevelDB key layout of one published log. One database per log, so keys need no log prefix.
 * Every key starts with a one-byte table tag; integers are big-endian so iteration order is index order.
 *
 *   'L' u64 index           -> leaf data (encodeLeaf: key length, key, value digest)
 *   'N' u8 level, u64 index -> 32-byte hash of the complete subtree (level >= 1, index); written
 *                              once (level 0 = the leaf hashes, computed from 'L')
 *   'M' map position key    -> map node record (overwritten in place; only the latest map is kept).
 *                              Internal records of the top levels are not stored: the store keeps
 *                              them in memory and rebuilds them at open (see MapTopCache).
 *   'V' digest(32)          -> value bytes, content-addressed
 *   'C' u64 size            -> signed checkpoint note at that size (history, for auditors)
 *   'H'                     -> the current signed checkpoint note (the head)
 */
const TAG_LEAF = 0x4c; // 'L'
const TAG_NODE = 0x4e; // 'N'
const TAG_MAP = 0x4d; // 'M'
const TAG_VALUE = 0x56; // 'V'
const TAG_CHECKPOINT = 0x43; // 'C'
const TAG_HEAD = 0x48; // 'H'

function withU64(tag: number, extraPrefix: number[], value: number): Buffer {
  const key = Buffer.allocUnsafe(1 + extraPrefix.length + 8);
  key[0] = tag;
  extraPrefix.forEach((b, i) => (key[1 + i] = b));
  key.writeBigUInt64BE(BigInt(value), 1 + extraPrefix.length);
  return key;
}

export const leafKey = (index: number): Buffer => withU64(TAG_LEAF, [], index);
export const nodeKey = (level: number, index: number): Buffer => withU64(TAG_NODE, [level], index);
export const checkpointKey = (size: number): Buffer => withU64(TAG_CHECKPOINT, [], size);
export const HEAD_KEY = Buffer.from([TAG_HEAD]);

export const mapKey = (positionKey: Uint8Array): Buffer => tagged(TAG_MAP, positionKey);
export const valueKey = (digest: Uint8Array): Buffer => tagged(TAG_VALUE, digest);

// Called for every map record of every batch: one allocation, no intermediate buffers.
function tagged(tag: number, rest: Uint8Array): Buffer {
  const key = Buffer.allocUnsafe(1 + rest.length);
  key[0] = tag;
  key.set(rest, 1);
  return key;
}

/** Range bounds covering leaves [start, end). */
export function leafRange(start: number, end: number): { gte: Buffer; lt: Buffer } {
  return { gte: leafKey(start), lt: leafKey(end) };
}

export function indexOfLeafKey(key: Buffer): number {
  return Number(key.readBigUInt64BE(1));
}
