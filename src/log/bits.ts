import { InvalidArgumentError } from '../errors.js';

/*
 * Bit arithmetic on tree sizes and indices. These are JS numbers up to 2^53 - 1, so the 32-bit
 * operators (&, |, ^, <<, >>) would silently truncate them; everything here splits a value into
 * its high and low 32-bit halves, or uses exact division by powers of two.
 */

const TWO_POW_32 = 2 ** 32;

/** Number of bits needed to write n (0 for 0): the k with 2^(k-1) <= n < 2^k. */
export function bitLength(n: number): number {
  const high = Math.floor(n / TWO_POW_32);
  if (high > 0) return 64 - Math.clz32(high);
  return 32 - Math.clz32(n);
}

/** Number of set bits in n. */
export function popCount(n: number): number {
  return popCount32(Math.floor(n / TWO_POW_32)) + popCount32(n % TWO_POW_32);
}

function popCount32(x: number): number {
  let v = x >>> 0;
  let count = 0;
  while (v !== 0) {
    v &= v - 1;
    count++;
  }
  return count;
}

/** The largest power of two strictly less than n, for n >= 2 (RFC 9162's k in the MTH split). */
export function largestPowerOfTwoBelow(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

/** Throws InvalidArgumentError unless value is an integer in [0, 2^53). */
export function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}
