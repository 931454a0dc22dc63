import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, VerificationError } from '../../src/errors.js';
import {
  buildMapProof,
  decodeMapProof,
  encodeMapProof,
  mapInsertBatch,
  type MapProof,
} from '../../src/map/index.js';
import { MemoryNodeSource, keysSharingPrefix, sameProof, seededRandom } from './support.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// depth 10, leaf terminal; siblings at depths 3 and 7 are non-empty, the other eight empty.
const sample: MapProof = {
  depth: 10,
  emptyBitmap: hex('dd c0'), // 1101 1101 11|000000: bits 2 and 6 clear, padding zero
  siblings: Buffer.concat([Buffer.alloc(32, 0x11), Buffer.alloc(32, 0x22)]),
  leaf: { path: Buffer.alloc(32, 0x33), logIndex: 2 ** 33 + 1, valueDigest: Buffer.alloc(32, 0x44) },
};

describe('map proof encoding', () => {
  it('has the documented byte layout', () => {
    const expected = Buffer.concat([
      hex('000a'), // u16be depth
      hex('01'), // terminal: leaf
      hex('ddc0'), // bitmap
      Buffer.alloc(32, 0x11),
      Buffer.alloc(32, 0x22),
      Buffer.alloc(32, 0x33),
      hex('0000000200000001'), // u64be log index
      Buffer.alloc(32, 0x44),
    ]);
    expect(encodeMapProof(sample)).toEqual(expected);
    expect(decodeMapProof(expected)).toEqual(sample);
    const empty: MapProof = { depth: 0, emptyBitmap: Buffer.alloc(0), siblings: Buffer.alloc(0), leaf: null };
    expect(encodeMapProof(empty)).toEqual(hex('0000 00'));
    expect(decodeMapProof(hex('0000 00'))).toEqual(empty);
  });

  it('round-trips real proofs', () => {
    const random = seededRandom(3);
    const source = new MemoryNodeSource();
    const keys = [...keysSharingPrefix(20, 2), ...Array.from({ length: 200 }, () => random.bytes(8))];
    source.apply(
      mapInsertBatch(
        source,
        keys.map((key, i) => ({ key, logIndex: i, valueDigest: random.bytes(32) })),
      ).writes,
    );
    for (const key of [...keys, ...Array.from({ length: 200 }, () => random.bytes(8))]) {
      const proof = buildMapProof(source, key);
      const bytes = encodeMapProof(proof);
      expect(sameProof(decodeMapProof(bytes), proof)).toBe(true);
      // Also from a Uint8Array view into a larger buffer.
      const padded = new Uint8Array(bytes.length + 4);
      padded.set(bytes, 2);
      expect(sameProof(decodeMapProof(padded.subarray(2, 2 + bytes.length)), proof)).toBe(true);
    }
  });

  it('rejects every truncation and any trailing byte', () => {
    const bytes = encodeMapProof(sample);
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeMapProof(bytes.subarray(0, length))).toThrow(VerificationError);
    }
    expect(() => decodeMapProof(Buffer.concat([bytes, hex('00')]))).toThrow(/trailing/);
  });

  it('rejects a bad header, padding bits and oversized log indexes', () => {
    const bytes = encodeMapProof(sample);
    const tooDeep = Buffer.from(bytes);
    tooDeep.writeUInt16BE(257, 0);
    expect(() => decodeMapProof(tooDeep)).toThrow(/too long/);
    const badTerminal = Buffer.from(bytes);
    badTerminal[2] = 2;
    expect(() => decodeMapProof(badTerminal)).toThrow(/terminal/);
    const padding = Buffer.from(bytes);
    padding[4] = padding[4]! | 0x01;
    expect(() => decodeMapProof(padding)).toThrow(/padding/);
    const hugeIndex = Buffer.from(bytes);
    hugeIndex.writeUInt32BE(0x0020_0000, bytes.length - 40);
    expect(() => decodeMapProof(hugeIndex)).toThrow(/log index/);
  });

  it('refuses to encode a malformed proof', () => {
    expect(() => encodeMapProof({ ...sample, siblings: sample.siblings.subarray(0, 32) })).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeMapProof({ ...sample, siblings: sample.siblings.subarray(0, 63) })).toThrow(
      /not a whole number of 32-byte hashes/,
    );
    expect(() => encodeMapProof({ ...sample, depth: 300 })).toThrow(InvalidArgumentError);
  });
});
