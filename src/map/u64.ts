import { InvalidArgumentError } from '../errors.js';

// Log indexes are JS numbers, so they are limited to safe integers although encoded on 64 bits.
const TWO_POW_32 = 0x1_0000_0000;

/** Writes a non-negative safe integer as 8 bytes big-endian at `offset`. */
export function writeU64BE(target: Buffer, value: number, offset: number): void {
  target.writeUInt32BE(Math.floor(value / TWO_POW_32), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
}

/** Reads 8 bytes big-endian; undefined when the value exceeds Number.MAX_SAFE_INTEGER. */
export function readU64BE(source: Buffer, offset: number): number | undefined {
  const high = source.readUInt32BE(offset);
  const low = source.readUInt32BE(offset + 4);
  if (high > 0x1f_ffff) return undefined;
  return high * TWO_POW_32 + low;
}

/** Throws unless `value` is a log index: a non-negative safe integer. */
export function assertLogIndex(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${field} must be a non-negative safe integer, got ${value}`);
  }
}
