import { InvalidArgumentError, VerificationError } from '../errors.js';

/*
 * Bundles: the entries (or values) of one level-0 tile, in log order, each with a big-endian
 * length prefix. Entry bundles (C2SP tlog-tiles) use a 2-byte prefix; tally's value bundles use 4
 * bytes, since a value may be 65,536 bytes (docs/PROTOCOL.md).
 */

export interface BundleFormat {
  /** Bytes of the big-endian length prefix: 2 or 4. */
  prefixBytes: 2 | 4;
  /** Largest item the format holds. */
  maxItemBytes: number;
  /** What the items are called in messages: 'entry', 'value'. */
  item: string;
  /** And more than one of them: 'entries', 'values'. */
  items: string;
}

export const ENTRY_BUNDLE: BundleFormat = {
  prefixBytes: 2,
  maxItemBytes: 0xffff,
  item: 'entry',
  items: 'entries',
};
export const VALUE_BUNDLE: BundleFormat = {
  prefixBytes: 4,
  maxItemBytes: 0xffffffff,
  item: 'value',
  items: 'values',
};

/** The bytes of one length-prefixed item, to append to a bundle. */
export function encodeBundleItem(format: BundleFormat, item: Uint8Array): Buffer {
  if (item.length > format.maxItemBytes) {
    throw new InvalidArgumentError(`${format.item} of ${item.length} bytes is longer than a bundle holds`);
  }
  const out = Buffer.allocUnsafe(format.prefixBytes + item.length);
  if (format.prefixBytes === 2) out.writeUInt16BE(item.length, 0);
  else out.writeUInt32BE(item.length, 0);
  out.set(item, format.prefixBytes);
  return out;
}

/** A bundle of `items`, in order. */
export function encodeBundle(format: BundleFormat, items: readonly Uint8Array[]): Buffer {
  return Buffer.concat(items.map((item) => encodeBundleItem(format, item)));
}

/**
 * The items of a bundle that must hold exactly `count` of them. Items are views into `bytes`.
 * Throws VerificationError, naming `what`, on a truncated item, missing items or trailing bytes.
 */
export function parseBundle(
  format: BundleFormat,
  bytes: Uint8Array,
  count: number,
  what: string,
): Uint8Array[] {
  const items = parseBundlePrefix(format, bytes, count, what);
  if (items.length < count)
    throw new VerificationError(`${what}: holds ${items.length} ${format.items}, expected ${count}`);
  if (items.end !== bytes.length) {
    throw new VerificationError(
      `${what}: ${bytes.length - items.end} trailing bytes after ${count} ${format.items}`,
    );
  }
  return items;
}

/**
 * The first `count` items of a bundle (fewer if it ends first), and where the last one ends: a
 * store reads a partial bundle's prefix from the stored, longer bundle.
 */
export function parseBundlePrefix(
  format: BundleFormat,
  bytes: Uint8Array,
  count: number,
  what: string,
): Uint8Array[] & { end: number } {
  const items: Uint8Array[] = [];
  let at = 0;
  while (items.length < count && at < bytes.length) {
    if (at + format.prefixBytes > bytes.length) {
      throw new VerificationError(`${what}: ${format.item} ${items.length} has a truncated length prefix`);
    }
    const length = format.prefixBytes === 2 ? readU16(bytes, at) : readU32(bytes, at);
    at += format.prefixBytes;
    if (at + length > bytes.length) {
      throw new VerificationError(
        `${what}: ${format.item} ${items.length} is ${length} bytes but only ${bytes.length - at} remain`,
      );
    }
    items.push(bytes.subarray(at, at + length));
    at += length;
  }
  return Object.assign(items, { end: at });
}

const readU16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const readU32 = (b: Uint8Array, at: number) =>
  b[at]! * 2 ** 24 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
