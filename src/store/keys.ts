/**
 * LevelDB key layout of one published log. One database per log, so keys need no log prefix.
 * Every key starts with a one-byte table tag; integers are big-endian so iteration order is index order.
 *
 *   'T' u8 level, u64 index -> tile (level, index) of the tree (C2SP tlog-tiles, docs/PROTOCOL.md):
 *                              32 bytes per hash; rewritten while partial, each version a prefix
 *                              of the next, never again once full (8,192 bytes)
 *   'E' u64 index           -> entry bundle `index`: the leaf data of leaves index*256.., each
 *                              u16be-length-prefixed; rewritten while partial like a tile
 *   'M' map position key    -> map node record (overwritten in place; only the latest map is kept).
 *                              Internal records of the top levels are not stored: the store keeps
 *                              them in memory and rebuilds them at open (see MapTopCache).
 *   'V' digest(32)          -> value bytes, content-addressed
 *   'C' u64 size            -> signed checkpoint note at that size (history, for auditors)
 *   'H'                     -> the current signed checkpoint note (the head)
 */
const TAG_TILE = 0x54; // 'T'
const TAG_BUNDLE = 0x45; // 'E'
/** The leaf table of the layout before tiles ('L' u64 index): its presence marks an old store. */
export const OLD_LAYOUT_LEAF_ZERO = Buffer.from([0x4c, 0, 0, 0, 0, 0, 0, 0, 0]);
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

export const tileKey = (level: number, index: number): Buffer => withU64(TAG_TILE, [level], index);
export const bundleKey = (index: number): Buffer => withU64(TAG_BUNDLE, [], index);
export const checkpointKey = (size: number): Buffer => withU64(TAG_CHECKPOINT, [], size);
export const HEAD_KEY = Buffer.from([TAG_HEAD]);

export const mapKey = (positionKey: Uint8Array): Buffer => tagged(TAG_MAP, positionKey);
export const valueKey = (digest: Uint8Array): Buffer => tagged(TAG_VALUE, digest);

// Called for every map record of every batch: one allocation, no intermediate buffers.
export function tagged(tag: number, rest: Uint8Array): Buffer {
  const key = Buffer.allocUnsafe(1 + rest.length);
  key[0] = tag;
  key.set(rest, 1);
  return key;
}
