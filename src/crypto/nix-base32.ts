import { InvalidArgumentError } from '../errors.js';

/**
 * Nix's base32: its own alphabet (no e, o, u, t) and a reversed bit order, so it is NOT RFC 4648.
 * The first character encodes the most significant bits of the LAST byte.
 */
export const NIX_BASE32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

const charValue = new Map<string, number>([...NIX_BASE32_ALPHABET].map((c, i) => [c, i]));

/** Characters needed to encode `byteLength` bytes. */
export function nixBase32Length(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 5);
}

export function encodeNixBase32(bytes: Uint8Array): string {
  const length = nixBase32Length(bytes.length);
  let out = '';
  for (let n = length - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    const low = bytes[i]! >> j;
    const high = i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0;
    out += NIX_BASE32_ALPHABET[(low | high) & 0x1f];
  }
  return out;
}

/** Decodes Nix base32; rejects foreign characters and encodings whose unused high bits are set. */
export function decodeNixBase32(text: string): Buffer {
  const byteLength = Math.floor((text.length * 5) / 8);
  if (nixBase32Length(byteLength) !== text.length) {
    throw new InvalidArgumentError(`nix base32: length ${text.length} is not a valid encoded length`);
  }
  const out = Buffer.alloc(byteLength);
  for (let n = 0; n < text.length; n++) {
    const ch = text[text.length - 1 - n]!;
    const digit = charValue.get(ch);
    if (digit === undefined) {
      throw new InvalidArgumentError(
        `nix base32: invalid character ${JSON.stringify(ch)} at position ${text.length - 1 - n}`,
      );
    }
    const bit = n * 5;
    const i = bit >> 3;
    const j = bit & 7;
    out[i]! |= (digit << j) & 0xff;
    const carry = digit >> (8 - j);
    if (i + 1 < byteLength) out[i + 1]! |= carry;
    else if (carry !== 0) throw new InvalidArgumentError('nix base32: non-zero padding bits');
  }
  return out;
}
