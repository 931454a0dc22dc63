import crypto from 'node:crypto';

/** Length in bytes of every SHA-256 digest in tally. */
export const DIGEST_LENGTH = 32;

// One-shot crypto.hash is about twice as fast as createHash for small inputs (Node >= 20.12).
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
