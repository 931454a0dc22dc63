import { TallyError } from '../errors.js';
import { DIGEST_LENGTH, sha256 } from '../crypto/sha256.js';
import {
  LEAF_PREIMAGE_LENGTH,
  MAP_LEAF_PREFIX,
  MAP_NODE_PREFIX,
  NODE_PREIMAGE_LENGTH,
  leafPreimage,
  nodePreimage,
} from './hash.js';
import type { MapLeaf } from './types.js';
import { readU64BE } from './u64.js';

/**
 * A stored node record is exactly the preimage of the node's hash:
 *   leaf:     0x02 || path(32) || u64be(logIndex) || valueDigest(32)   (73 bytes)
 *   internal: 0x03 || leftHash(32) || rightHash(32)                     (65 bytes)
 * so a record's hash is SHA-256(record), and an internal record gives both child hashes, which is
 * all a reader needs to step down one level and collect the sibling for a proof.
 */
export type MapRecord = { kind: 'leaf'; leaf: MapLeaf } | { kind: 'node'; left: Buffer; right: Buffer };

export const encodeLeafRecord = leafPreimage;
export const encodeNodeRecord = nodePreimage;

/** The hash of the node a record describes. */
export function recordHash(record: Buffer): Buffer {
  return sha256(record);
}

/**
 * One child hash of an internal record (a view into it), or undefined when the record is not an
 * internal one. The proof walk needs only the sibling of each step: this spares it parsing the
 * whole record.
 */
export function nodeRecordChild(record: Buffer, right: boolean): Buffer | undefined {
  if (record.length !== NODE_PREIMAGE_LENGTH || record[0] !== MAP_NODE_PREFIX) return undefined;
  return right ? record.subarray(1 + DIGEST_LENGTH) : record.subarray(1, 1 + DIGEST_LENGTH);
}

/** True when a stored record is an internal node's (its bytes are then 0x03 || left || right). */
export function isNodeRecord(record: Buffer): boolean {
  return record.length === NODE_PREIMAGE_LENGTH && record[0] === MAP_NODE_PREFIX;
}

/** Parses a stored record; a malformed one means corrupted storage, not bad input. */
export function decodeRecord(record: Buffer): MapRecord {
  if (record.length === NODE_PREIMAGE_LENGTH && record[0] === MAP_NODE_PREFIX) {
    return {
      kind: 'node',
      left: record.subarray(1, 1 + DIGEST_LENGTH),
      right: record.subarray(1 + DIGEST_LENGTH),
    };
  }
  if (record.length === LEAF_PREIMAGE_LENGTH && record[0] === MAP_LEAF_PREFIX) {
    const logIndex = readU64BE(record, 1 + DIGEST_LENGTH);
    if (logIndex !== undefined) {
      return {
        kind: 'leaf',
        leaf: {
          path: record.subarray(1, 1 + DIGEST_LENGTH),
          logIndex,
          valueDigest: record.subarray(1 + DIGEST_LENGTH + 8),
        },
      };
    }
  }
  throw new TallyError('INTERNAL', `corrupt map node record (${record.length} bytes)`);
}
