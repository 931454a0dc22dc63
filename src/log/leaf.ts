import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { MAX_KEY_BYTES, MIN_KEY_BYTES } from '../entry/entry.js';
import { InvalidArgumentError } from '../errors.js';

export interface DecodedLeaf {
  key: Buffer;
  valueDigest: Buffer;
}

/** Leaf data of one log entry: u8 keyLength || key || valueDigest (32 bytes). */
export function encodeLeaf(key: Uint8Array, valueDigest: Uint8Array): Buffer {
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `leaf key length must be ${MIN_KEY_BYTES}..${MAX_KEY_BYTES} bytes, got ${key.length}`,
    );
  }
  if (valueDigest.length !== DIGEST_LENGTH) {
    throw new InvalidArgumentError(
      `leaf value digest must be ${DIGEST_LENGTH} bytes, got ${valueDigest.length}`,
    );
  }
  const out = Buffer.allocUnsafe(1 + key.length + DIGEST_LENGTH);
  out[0] = key.length;
  out.set(key, 1);
  out.set(valueDigest, 1 + key.length);
  return out;
}

/** Inverse of encodeLeaf; rejects anything encodeLeaf could not have produced. Returns copies. */
export function decodeLeaf(data: Uint8Array): DecodedLeaf {
  const keyLength = leafKeyLength(data);
  return {
    key: Buffer.from(data.subarray(1, 1 + keyLength)),
    valueDigest: Buffer.from(data.subarray(1 + keyLength)),
  };
}

/**
 * The key length of well-formed leaf data (the key is at bytes 1.., the value digest after it),
 * checked as decodeLeaf checks it, for readers that take views rather than copies.
 */
export function leafKeyLength(data: Uint8Array): number {
  if (data.length === 0) throw new InvalidArgumentError('leaf data is empty');
  const keyLength = data[0] as number;
  if (keyLength === 0) throw new InvalidArgumentError('leaf key length is 0, must be at least 1');
  const expected = 1 + keyLength + DIGEST_LENGTH;
  if (data.length !== expected) {
    throw new InvalidArgumentError(
      `leaf data is ${data.length} bytes, expected ${expected} for a ${keyLength}-byte key`,
    );
  }
  return keyLength;
}
