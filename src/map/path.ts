import { MAX_KEY_BYTES, MIN_KEY_BYTES } from '../entry/entry.js';
import { InvalidArgumentError } from '../errors.js';
import { DIGEST_LENGTH, sha256 } from '../crypto/sha256.js';

/** Every path has 256 bits, so positions have depths 0..256. */
export const PATH_BITS = 256;

/** The 256-bit path of a key: SHA-256(key), read MSB-first (bit 0 = top bit of byte 0). */
export function mapPath(key: Uint8Array): Buffer {
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `map key must be ${MIN_KEY_BYTES}..${MAX_KEY_BYTES} bytes, got ${key.length}`,
    );
  }
  return sha256(key);
}

/** Bit `index` of a path: 0 = go left, 1 = go right at depth `index`. */
export function pathBit(path: Uint8Array, index: number): number {
  return (path[index >> 3]! >> (7 - (index & 7))) & 1;
}

/** True when `a` and `b` agree on their first `bits` bits. */
export function sharePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const wholeBytes = bits >> 3;
  for (let i = 0; i < wholeBytes; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[wholeBytes]! ^ b[wholeBytes]!) & mask) === 0;
}

/** Throws unless `digest` is a 32-byte hash. */
export function assertDigest(digest: Uint8Array, field: string): void {
  if (digest.length !== DIGEST_LENGTH) {
    throw new InvalidArgumentError(`${field} must be ${DIGEST_LENGTH} bytes, got ${digest.length}`);
  }
}
