import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { InvalidArgumentError, TallyError } from '../../src/errors.js';
import {
  decodeRecord,
  encodeLeafRecord,
  encodeNodeRecord,
  mapLeafHash,
  mapNodeHash,
  mapPath,
  mapRoot,
  positionKey,
  positionKeysAlong,
} from '../../src/map/index.js';
import { MemoryNodeSource, referenceLeafHash, referenceNodeHash } from './support.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('map path', () => {
  it('is SHA-256 of the key', () => {
    const key = Buffer.from('tally');
    expect(mapPath(key)).toEqual(crypto.createHash('sha256').update(key).digest());
  });

  it('accepts keys of 1..255 bytes and rejects others', () => {
    expect(() => mapPath(Buffer.alloc(1))).not.toThrow();
    expect(() => mapPath(Buffer.alloc(255))).not.toThrow();
    expect(() => mapPath(Buffer.alloc(0))).toThrow(InvalidArgumentError);
    expect(() => mapPath(Buffer.alloc(256))).toThrow(InvalidArgumentError);
  });
});

describe('map hashing', () => {
  const leaf = { path: Buffer.alloc(32, 0xaa), logIndex: 2 ** 40 + 5, valueDigest: Buffer.alloc(32, 0xbb) };

  it('hashes a leaf as SHA-256(0x02 || path || u64be(logIndex) || valueDigest)', () => {
    const preimage = Buffer.concat([hex('02'), leaf.path, hex('0000 0100 0000 0005'), leaf.valueDigest]);
    expect(mapLeafHash(leaf)).toEqual(crypto.createHash('sha256').update(preimage).digest());
    expect(mapLeafHash(leaf)).toEqual(referenceLeafHash(leaf));
  });

  it('hashes a node as SHA-256(0x03 || left || right), order-sensitive', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(mapNodeHash(a, b)).toEqual(
      crypto
        .createHash('sha256')
        .update(Buffer.concat([hex('03'), a, b]))
        .digest(),
    );
    expect(mapNodeHash(a, b)).toEqual(referenceNodeHash(a, b));
    expect(mapNodeHash(a, b)).not.toEqual(mapNodeHash(b, a));
  });

  it('gives the empty map the all-zero root', () => {
    expect(mapRoot(new MemoryNodeSource())).toEqual(Buffer.alloc(32));
  });
});

describe('position keys', () => {
  const path = hex('ffff'.repeat(16));

  it('encode u16be(depth) then the first depth bits, padding bits cleared', () => {
    expect(positionKey(0, path)).toEqual(hex('0000'));
    expect(positionKey(3, path)).toEqual(hex('0003 e0'));
    expect(positionKey(8, path)).toEqual(hex('0008 ff'));
    expect(positionKey(13, path)).toEqual(hex('000d fff8'));
    expect(positionKey(256, path)).toEqual(Buffer.concat([hex('0100'), path]));
  });

  it('are equal for paths sharing the prefix and differ once they part', () => {
    const a = hex('abcd' + '00'.repeat(30));
    const b = hex('abc9' + 'ff'.repeat(30)); // shares 13 bits with a
    for (let depth = 0; depth <= 13; depth++) expect(positionKey(depth, a)).toEqual(positionKey(depth, b));
    for (let depth = 14; depth <= 256; depth++)
      expect(positionKey(depth, a)).not.toEqual(positionKey(depth, b));
  });

  it('along a path are the keys for depths 0..maxDepth', () => {
    const keys = positionKeysAlong(path, 20);
    expect(keys).toHaveLength(21);
    keys.forEach((key, depth) => expect(key).toEqual(positionKey(depth, path)));
    expect(positionKeysAlong(path)).toHaveLength(257);
    expect(() => positionKeysAlong(path, 257)).toThrow(InvalidArgumentError);
    expect(() => positionKeysAlong(path, -1)).toThrow(InvalidArgumentError);
  });
});

describe('node records', () => {
  it('are the hash preimages and decode back', () => {
    const leaf = { path: Buffer.alloc(32, 7), logIndex: 123456789012, valueDigest: Buffer.alloc(32, 9) };
    const leafRecord = encodeLeafRecord(leaf);
    expect(leafRecord).toHaveLength(73);
    expect(crypto.createHash('sha256').update(leafRecord).digest()).toEqual(mapLeafHash(leaf));
    expect(decodeRecord(leafRecord)).toEqual({ kind: 'leaf', leaf });

    const left = Buffer.alloc(32, 1);
    const right = Buffer.alloc(32, 2);
    const nodeRecord = encodeNodeRecord(left, right);
    expect(nodeRecord).toHaveLength(65);
    expect(crypto.createHash('sha256').update(nodeRecord).digest()).toEqual(mapNodeHash(left, right));
    expect(decodeRecord(nodeRecord)).toEqual({ kind: 'node', left, right });
  });

  it('reject corrupt bytes as an internal error', () => {
    const node = encodeNodeRecord(Buffer.alloc(32), Buffer.alloc(32, 1));
    const leaf = encodeLeafRecord({ path: Buffer.alloc(32), logIndex: 0, valueDigest: Buffer.alloc(32) });
    const unsafeIndex = Buffer.from(leaf);
    unsafeIndex.writeUInt32BE(0x0020_0000, 33);
    for (const corrupt of [
      node.subarray(1),
      Buffer.concat([node, hex('00')]),
      Buffer.from([0x02, ...node.subarray(1)]),
      unsafeIndex,
    ]) {
      expect(() => decodeRecord(corrupt)).toThrow(TallyError);
      expect(() => decodeRecord(corrupt)).toThrow(/corrupt map node record/);
    }
  });
});
