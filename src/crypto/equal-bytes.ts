/*
 * Byte comparisons for the verification paths, which compare short hashes and take plain
 * Uint8Arrays as well as Buffers. A loop the JIT inlines spares a native call (Buffer.equals) per
 * comparison; in A/B runs the two measured the same, so this is for the types, not for speed.
 */

/** True when `a` and `b` hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  const length = a.length;
  if (b.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when every byte of `bytes` in [start, end) (by default all of it) is zero. */
export function allZero(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}
