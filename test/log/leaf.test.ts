import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { MAX_KEY_BYTES } from '../../src/entry/entry.js';
import { decodeLeaf, encodeLeaf, hashLeaf } from '../../src/log/index.js';

const digest = Buffer.alloc(32, 0xd1);

describe('leaf encoding', () => {
  it('is u8 key length || key || 32-byte value digest', () => {
    const key = Buffer.from([0xaa, 0xbb, 0xcc]);
    const expected = Buffer.concat([Buffer.from([3, 0xaa, 0xbb, 0xcc]), digest]);
    expect(encodeLeaf(key, digest)).toEqual(expected);
  });

  it('matches the worked example in docs/PROTOCOL.md, "The log" (computed with Python hashlib)', () => {
    const key = Buffer.from(Array.from({ length: 20 }, (_, i) => i + 1));
    const valueDigest = Buffer.from(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'hex',
    );
    const leaf = encodeLeaf(key, valueDigest);
    expect(leaf.toString('hex')).toBe(
      '140102030405060708090a0b0c0d0e0f1011121314e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(hashLeaf(leaf).toString('hex')).toBe(
      'ddb51daf87946e9d17ae069254a7db59c882359456fe3d599614e0c3058538c2',
    );
  });

  it('round-trips keys of length 1 and 255', () => {
    for (const length of [1, 20, MAX_KEY_BYTES]) {
      const key = Buffer.alloc(length, length);
      const encoded = encodeLeaf(key, digest);
      expect(encoded.length).toBe(1 + length + 32);
      expect(decodeLeaf(encoded)).toEqual({ key, valueDigest: digest });
    }
  });

  it('decodes into copies, not views of the input', () => {
    const encoded = encodeLeaf(Buffer.from([7]), digest);
    const decoded = decodeLeaf(encoded);
    encoded.fill(0);
    expect(decoded.key).toEqual(Buffer.from([7]));
    expect(decoded.valueDigest).toEqual(digest);
  });

  it('rejects key lengths outside 1..255, naming the length', () => {
    expect(() => encodeLeaf(Buffer.alloc(0), digest)).toThrow(InvalidArgumentError);
    expect(() => encodeLeaf(Buffer.alloc(0), digest)).toThrow(/got 0/);
    expect(() => encodeLeaf(Buffer.alloc(256), digest)).toThrow(/got 256/);
  });

  it('rejects value digests that are not 32 bytes', () => {
    expect(() => encodeLeaf(Buffer.from([1]), Buffer.alloc(31))).toThrow(/digest must be 32 bytes, got 31/);
    expect(() => encodeLeaf(Buffer.from([1]), Buffer.alloc(33))).toThrow(InvalidArgumentError);
  });

  it('rejects malformed leaf data', () => {
    const valid = encodeLeaf(Buffer.from([1, 2]), digest);
    const malformed: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['zero key length', Buffer.concat([Buffer.from([0]), digest])],
      ['truncated', valid.subarray(0, valid.length - 1)],
      ['trailing byte', Buffer.concat([valid, Buffer.from([0])])],
      ['key length past the end', Buffer.from([200, 1, 2])],
    ];
    for (const [name, data] of malformed) {
      expect(() => decodeLeaf(data), name).toThrow(InvalidArgumentError);
    }
  });
});
