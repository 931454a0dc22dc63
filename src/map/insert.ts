import { InvalidArgumentError, TallyError } from '../errors.js';
import { DIGEST_LENGTH, sha256 } from '../crypto/sha256.js';
import { EMPTY_HASH, NODE_PREIMAGE_LENGTH, leafPreimage, nodePreimage } from './hash.js';
import { assertDigest, mapPath, pathBit } from './path.js';
import { positionKey } from './position.js';
import { decodeRecord, isNodeRecord } from './record.js';
import { mapRoot } from './read.js';
import type { MapInsert, MapLeaf, MapNodeSource, MapWrite } from './types.js';
import { assertLogIndex } from './u64.js';

export interface MapBatchResult {
  /** The root after the batch. */
  root: Buffer;
  /** Records to store, one per changed position; apply them all atomically. */
  writes: MapWrite[];
}

/**
 * Inserts a batch of keys that are not yet in the map. Reads through `source` and never mutates it.
 *
 * The batch is sorted by path and the tree is updated top-down in one recursion: each changed
 * position is read at most once and written exactly once, however many new keys pass through it,
 * and positions under an empty or leaf position are known empty and are never read.
 *
 * Throws InvalidArgumentError if a key is already present or appears twice in the batch: the map
 * is first-write-wins and must never overwrite. `paths`, when given, are the inserts' mapPath
 * values, which a caller that walked the map first has computed already.
 */
export function mapInsertBatch(
  source: MapNodeSource,
  inserts: readonly MapInsert[],
  paths?: readonly Buffer[],
): MapBatchResult {
  const leaves = sortedNewLeaves(inserts, paths);
  if (leaves.length === 0) return { root: mapRoot(source), writes: [] };
  const writes: MapWrite[] = [];
  const root = updateSubtree(source, writes, 0, leaves, 0, leaves.length);
  return { root, writes };
}

/** Validates the inserts and returns them as leaves sorted by path, rejecting duplicates. */
function sortedNewLeaves(inserts: readonly MapInsert[], paths?: readonly Buffer[]): MapLeaf[] {
  const leaves = inserts.map((insert, i): MapLeaf => {
    assertLogIndex(insert.logIndex, `inserts[${i}].logIndex`);
    assertDigest(insert.valueDigest, `inserts[${i}].valueDigest`);
    const path = paths?.[i] ?? mapPath(insert.key);
    return { path, logIndex: insert.logIndex, valueDigest: insert.valueDigest };
  });
  // Sorting on the first 48 bits as a number avoids a native call per comparison; ties are rare.
  const sorted = leaves
    .map((leaf) => ({ leaf, top: leaf.path.readUIntBE(0, 6) }))
    .sort((a, b) => a.top - b.top || Buffer.compare(a.leaf.path, b.leaf.path))
    .map(({ leaf }) => leaf);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1]!.path.equals(sorted[i]!.path)) {
      throw new InvalidArgumentError(
        `duplicate key in map insert batch (path ${sorted[i]!.path.toString('hex')})`,
      );
    }
  }
  return sorted;
}

/**
 * Adds leaves[lo..hi) (sorted, all sharing the first `depth` bits) to the stored subtree at
 * that position, and returns the subtree's new hash.
 */
function updateSubtree(
  source: MapNodeSource,
  writes: MapWrite[],
  depth: number,
  leaves: MapLeaf[],
  lo: number,
  hi: number,
): Buffer {
  const key = positionKey(depth, leaves[lo]!.path);
  const stored = source.get(key);
  if (stored === undefined) return buildSubtree(writes, depth, leaves, lo, hi);

  if (!isNodeRecord(stored)) {
    const record = decodeRecord(stored);
    if (record.kind !== 'leaf') throw new TallyError('INTERNAL', 'corrupt map node record');
    // The collapsed leaf moves down together with the new leaves into a freshly built subtree.
    return buildSubtree(writes, depth, withExistingLeaf(leaves.slice(lo, hi), record.leaf), 0, hi - lo + 1);
  }

  // The new record starts as the stored one; each side that gains leaves gets its new hash.
  const node = Buffer.allocUnsafe(NODE_PREIMAGE_LENGTH);
  stored.copy(node);
  const mid = firstRightIndex(leaves, lo, hi, depth);
  if (mid > lo) updateSubtree(source, writes, depth + 1, leaves, lo, mid).copy(node, 1);
  if (mid < hi) updateSubtree(source, writes, depth + 1, leaves, mid, hi).copy(node, 1 + DIGEST_LENGTH);
  writes.push([key, node]);
  return sha256(node);
}

/**
 * Builds the subtree holding exactly leaves[lo..hi) at a position that is currently empty (or
 * whose only leaf is among them), so nothing below it needs reading. Returns its hash.
 */
function buildSubtree(writes: MapWrite[], depth: number, leaves: MapLeaf[], lo: number, hi: number): Buffer {
  const key = positionKey(depth, leaves[lo]!.path);
  if (hi - lo === 1) {
    const leaf = leafPreimage(leaves[lo]!);
    writes.push([key, leaf]);
    return sha256(leaf);
  }
  // Distinct paths always split before depth 256, so depth + 1 stays within 0..256.
  const mid = firstRightIndex(leaves, lo, hi, depth);
  const left = mid > lo ? buildSubtree(writes, depth + 1, leaves, lo, mid) : EMPTY_HASH;
  const right = mid < hi ? buildSubtree(writes, depth + 1, leaves, mid, hi) : EMPTY_HASH;
  const node = nodePreimage(left, right);
  writes.push([key, node]);
  return sha256(node);
}

/** Inserts the stored leaf into the sorted new leaves, refusing to overwrite it. */
function withExistingLeaf(newLeaves: MapLeaf[], existing: MapLeaf): MapLeaf[] {
  let at = 0;
  while (at < newLeaves.length && Buffer.compare(newLeaves[at]!.path, existing.path) < 0) at++;
  if (at < newLeaves.length && newLeaves[at]!.path.equals(existing.path)) {
    throw new InvalidArgumentError(
      `map key already present (path ${existing.path.toString('hex')}); the map never overwrites`,
    );
  }
  newLeaves.splice(at, 0, existing);
  return newLeaves;
}

/** In sorted leaves[lo..hi) sharing `depth` bits, the first index whose bit `depth` is 1. */
function firstRightIndex(leaves: MapLeaf[], lo: number, hi: number, depth: number): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (pathBit(leaves[mid]!.path, depth) === 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
