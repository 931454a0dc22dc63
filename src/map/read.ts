import { EMPTY_HASH } from './hash.js';
import { mapPath } from './path.js';
import { positionKey } from './position.js';
import { recordHash } from './record.js';
import type { MapNodeSource, MapValue } from './types.js';
import { walkToTerminal } from './walk.js';

const ROOT_POSITION = positionKey(0, Buffer.alloc(0));

/** The map's root hash; the empty map's root is the empty hash. */
export function mapRoot(source: MapNodeSource): Buffer {
  const record = source.get(ROOT_POSITION);
  return record === undefined ? Buffer.from(EMPTY_HASH) : recordHash(record);
}

/** The value stored for `key`, or undefined when the key is absent. */
export function mapGet(source: MapNodeSource, key: Uint8Array): MapValue | undefined {
  const path = mapPath(key);
  const { leaf } = walkToTerminal(source, path);
  if (leaf === null || !leaf.path.equals(path)) return undefined;
  return { logIndex: leaf.logIndex, valueDigest: Buffer.from(leaf.valueDigest) };
}
