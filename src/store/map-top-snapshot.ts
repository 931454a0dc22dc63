import fs from 'node:fs';
import path from 'node:path';
import { DIGEST_LENGTH, sha256 } from '../crypto/sha256.js';
import { mapRoot } from '../map/index.js';
import { MapTopCache } from './map-top-cache.js';

/**
 * A snapshot of the map top cache, written when a store closes cleanly so that the next open
 * reads one file instead of rebuilding the cached levels (a scan of ~1M records and ~1M hashes
 * once the map is large). It sits in the LevelDB directory, which LevelDB leaves alone (it only
 * deletes files named like its own). Layout:
 *
 *   "tally map top v1\n" | u8 cached depth | u64be log size | map root (32) | SHA-256 of body (32) | body
 *
 * body = MapTopCache.encodeSlots(). It is used only when the depth, the size and the map root
 * equal the signed head's, the checksum holds and the cache's root record hashes to that root;
 * otherwise (a crash since the last clean close, a torn or foreign file) the store rebuilds.
 */
const MAGIC = Buffer.from('tally map top v1\n');
const HEADER_BYTES = MAGIC.length + 1 + 8 + 2 * DIGEST_LENGTH;
const FILE_NAME = 'tally-map-top';

export interface SnapshotHead {
  size: number;
  mapRoot: Buffer;
}

export function mapTopSnapshotFile(storeDir: string): string {
  return path.join(storeDir, FILE_NAME);
}

/** The cache as snapshotted at `head`, or undefined when there is no valid snapshot of it. */
export function readMapTopSnapshot(
  file: string,
  maxDepth: number,
  head: SnapshotHead,
): MapTopCache | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  let at = MAGIC.length;
  const depth = bytes[at++];
  const size = Number(bytes.readBigUInt64BE(at));
  at += 8;
  const root = bytes.subarray(at, (at += DIGEST_LENGTH));
  const checksum = bytes.subarray(at, (at += DIGEST_LENGTH));
  const body = bytes.subarray(at);
  if (depth !== maxDepth || size !== head.size || !root.equals(head.mapRoot)) return undefined;
  if (!sha256(body).equals(checksum)) return undefined;
  const cache = MapTopCache.decodeSlots(maxDepth, body);
  return cache !== undefined && mapRoot(cache).equals(head.mapRoot) ? cache : undefined;
}

/** Writes the snapshot atomically (temporary file, fsync, rename), so no reader sees a torn one. */
export function writeMapTopSnapshot(file: string, cache: MapTopCache, head: SnapshotHead): void {
  const body = cache.encodeSlots();
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header);
  let at = MAGIC.length;
  header[at++] = cache.maxDepth;
  header.writeBigUInt64BE(BigInt(head.size), at);
  at += 8;
  head.mapRoot.copy(header, at);
  sha256(body).copy(header, at + DIGEST_LENGTH);
  const temporary = `${file}.tmp`;
  const fd = fs.openSync(temporary, 'w', 0o600);
  try {
    fs.writeFileSync(fd, header);
    fs.writeFileSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}
