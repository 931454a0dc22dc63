import { InvalidArgumentError } from '../errors.js';
import { PATH_BITS } from './path.js';

/**
 * A position is a depth (0..256) plus the first `depth` bits of any path passing through it.
 * Position key = u16be(depth) || the first ceil(depth/8) bytes of the path, with the bits past
 * `depth` in the last byte cleared. Keys are unique per position, and sort by depth first, so the
 * hot top of the tree is contiguous in LevelDB.
 */
export function positionKey(depth: number, path: Uint8Array): Buffer {
  const prefixBytes = (depth + 7) >> 3;
  const out = Buffer.allocUnsafe(2 + prefixBytes);
  out.writeUInt16BE(depth, 0);
  for (let i = 0; i < prefixBytes; i++) out[2 + i] = path[i]!;
  const rest = depth & 7;
  if (rest !== 0) out[1 + prefixBytes] = out[1 + prefixBytes]! & ((0xff << (8 - rest)) & 0xff);
  return out;
}

/** Position keys from the root (depth 0) down to `maxDepth` inclusive along `path`, for batch reads. */
export function positionKeysAlong(path: Uint8Array, maxDepth: number = PATH_BITS): Buffer[] {
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > PATH_BITS) {
    throw new InvalidArgumentError(`maxDepth must be an integer 0..${PATH_BITS}, got ${maxDepth}`);
  }
  const keys: Buffer[] = [];
  for (let depth = 0; depth <= maxDepth; depth++) keys.push(positionKey(depth, path));
  return keys;
}
