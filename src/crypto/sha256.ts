import crypto from 'node:crypto';

/** Length in bytes of every SHA-256 digest in tally. */
export const DIGEST_LENGTH = 32;

// One-shot crypto.hash (Node >= 20.12) skips the Hash object createHash makes per call.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer })
  .hash;

/** SHA-256 of one buffer. */
export function sha256(data: Uint8Array): Buffer {
  if (oneShot) return oneShot('sha256', data, 'buffer');
  return crypto.createHash('sha256').update(data).digest();
}

/** SHA-256 of several buffers, concatenated without copying them first. */
export function sha256Concat(...parts: Uint8Array[]): Buffer {
  if (oneShot) return oneShot('sha256', Buffer.concat(parts), 'buffer');
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * SHA-256(prefix || left || right) of two 32-byte hashes read at the given offsets, so a walk can
 * hash straight out of a packed proof: the interior-node hash of both trees (log 0x01, map 0x03).
 */
export function sha256Pair(
  prefix: number,
  left: Uint8Array,
  leftAt: number,
  right: Uint8Array,
  rightAt: number,
): Buffer {
  // Every byte is written below, so allocUnsafe (Node's pool) is safe; a shared module buffer
  // measured no faster (BENCHMARKS.md, "Log core").
  const input = Buffer.allocUnsafe(1 + 2 * DIGEST_LENGTH);
  input[0] = prefix;
  for (let i = 0; i < DIGEST_LENGTH; i++) {
    input[1 + i] = left[leftAt + i]!;
    input[1 + DIGEST_LENGTH + i] = right[rightAt + i]!;
  }
  return sha256(input);
}
