/*
 * Byte comparisons for the proof walks, which compare a few 32-byte hashes per step. A plain loop
 * the JIT inlines beats Buffer.equals there: that is a native call per comparison, and it was a
 * tenth of a lookup's verification time.
 */

/** True when `a` and `b` hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  const length = a.length;
  if (b.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when every byte of `bytes` is zero. */
export function allZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
