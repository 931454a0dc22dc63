// Known shapes: keys chosen so their paths share long prefixes, which forces deep splits, and
// checks of exactly which positions hold records and what the proofs contain.
import { describe, expect, it } from 'vitest';
import {
  buildMapProof,
  mapGet,
  mapInsertBatch,
  mapRoot,
  positionKey,
  verifyMapProof,
  type MapInsert,
} from '../../src/map/index.js';
import {
  MemoryNodeSource,
  ZERO_HASH,
  bitOf,
  keysSharingPrefix,
  referenceLeafHash,
  referenceNodeHash,
  referencePath,
  referenceRoot,
  sharedPrefixBits,
} from './support.js';

const entry = (key: Buffer, logIndex: number): MapInsert => ({
  key,
  logIndex,
  valueDigest: Buffer.alloc(32, logIndex + 1),
});
const leafOf = (e: MapInsert) => ({
  path: referencePath(e.key),
  logIndex: e.logIndex,
  valueDigest: e.valueDigest,
});

function mapWith(...batches: MapInsert[][]): MemoryNodeSource {
  const source = new MemoryNodeSource();
  for (const batch of batches) source.apply(mapInsertBatch(source, batch).writes);
  return source;
}

/** A key (from a deterministic sequence) whose path shares exactly `bits` bits with `path`. */
function keySharingExactly(path: Buffer, bits: number): Buffer {
  for (let i = 0; ; i++) {
    const key = Buffer.from(`probe-${i}`);
    if (sharedPrefixBits(referencePath(key), path) === bits) return key;
  }
}

describe('map structure', () => {
  it('collapses a single key to the root', () => {
    const a = entry(Buffer.from('only'), 7);
    const source = mapWith([a]);
    expect([...source.records.keys()]).toEqual([positionKey(0, Buffer.alloc(0)).toString('hex')]);
    expect(mapRoot(source)).toEqual(referenceLeafHash(leafOf(a)));

    const proof = buildMapProof(source, a.key);
    expect(proof).toEqual({
      depth: 0,
      emptyBitmap: Buffer.alloc(0),
      siblings: Buffer.alloc(0),
      leaf: leafOf(a),
    });
    // Any other key is proven absent by the same lone leaf.
    const other = buildMapProof(source, Buffer.from('other'));
    expect(other.leaf).toEqual(leafOf(a));
    expect(verifyMapProof(mapRoot(source), Buffer.from('other'), other)).toBeNull();
  });

  for (const bits of [16, 20, 24, 28]) {
    it(`splits two keys sharing ${bits}+ bits at the first differing bit`, () => {
      const [keyA, keyB] = keysSharingPrefix(bits, 2);
      const [a, b] = [entry(keyA!, 0), entry(keyB!, 1)];
      const shared = sharedPrefixBits(referencePath(a.key), referencePath(b.key));
      expect(shared).toBeGreaterThanOrEqual(bits);

      // One batch, or the second key pushing the collapsed first one down: same records.
      const together = mapWith([a, b]);
      const apart = mapWith([a], [b]);
      expect(apart.records).toEqual(together.records);
      // `shared + 1` internal nodes along the common prefix, then the two leaves.
      expect(together.records.size).toBe(shared + 3);

      const pathA = referencePath(a.key);
      const leafA = referenceLeafHash(leafOf(a));
      const leafB = referenceLeafHash(leafOf(b));
      let expectedRoot =
        bitOf(pathA, shared) === 0 ? referenceNodeHash(leafA, leafB) : referenceNodeHash(leafB, leafA);
      for (let d = shared - 1; d >= 0; d--) {
        expectedRoot =
          bitOf(pathA, d) === 0
            ? referenceNodeHash(expectedRoot, ZERO_HASH)
            : referenceNodeHash(ZERO_HASH, expectedRoot);
      }
      expect(mapRoot(together)).toEqual(expectedRoot);

      const proof = buildMapProof(together, a.key);
      expect(proof.depth).toBe(shared + 1);
      expect(proof.siblings).toEqual(leafB);
      for (let i = 0; i < proof.depth; i++) {
        const flagged = (proof.emptyBitmap[i >> 3]! >> (7 - (i % 8))) & 1;
        expect(flagged).toBe(i < shared ? 1 : 0);
      }
      expect(verifyMapProof(expectedRoot, a.key, proof)).toEqual({ logIndex: 0, valueDigest: a.valueDigest });
      expect(verifyMapProof(expectedRoot, b.key, buildMapProof(together, b.key))).toEqual({
        logIndex: 1,
        valueDigest: b.valueDigest,
      });
    });
  }

  it('proves absence with an empty terminal beside a deep subtree', () => {
    const [keyA, keyB] = keysSharingPrefix(16, 2);
    const source = mapWith([entry(keyA!, 0), entry(keyB!, 1)]);
    const pathA = referencePath(keyA!);
    const absent = keySharingExactly(pathA, 5);

    const proof = buildMapProof(source, absent);
    expect(proof.leaf).toBeNull();
    expect(proof.depth).toBe(6);
    expect(proof.emptyBitmap).toEqual(Buffer.from([0b1111_1000]));
    expect(proof.siblings).toHaveLength(32); // one hash: the subtree at depth 6 holding both keys
    expect(verifyMapProof(mapRoot(source), absent, proof)).toBeNull();
    expect(mapGet(source, absent)).toBeUndefined();
  });

  it('proves absence with a different leaf sharing a long prefix', () => {
    const [keyA, keyB, keyC] = keysSharingPrefix(8, 3);
    const source = mapWith([entry(keyA!, 0), entry(keyB!, 1)]);
    const proof = buildMapProof(source, keyC!);
    expect(proof.depth).toBeGreaterThan(8);
    expect(proof.leaf === null || !proof.leaf.path.equals(referencePath(keyC!))).toBe(true);
    expect(verifyMapProof(mapRoot(source), keyC!, proof)).toBeNull();
  });

  it('splits deep inside an existing map when a batch adds a near-collision', () => {
    const [keyA, keyB] = keysSharingPrefix(24, 2);
    const filler = Array.from({ length: 300 }, (_, i) => entry(Buffer.from(`filler-${i}`), 10 + i));
    const first = [entry(keyA!, 0), ...filler.slice(0, 150)];
    const second = [...filler.slice(150), entry(keyB!, 1)];
    const source = mapWith(first, second);

    expect(mapRoot(source)).toEqual(referenceRoot([...first, ...second].map(leafOf)));
    const proof = buildMapProof(source, keyB!);
    expect(proof.depth).toBeGreaterThan(24);
    expect(verifyMapProof(mapRoot(source), keyB!, proof)).toEqual({
      logIndex: 1,
      valueDigest: second.at(-1)!.valueDigest,
    });
    expect(mapGet(source, keyA!)).toEqual({ logIndex: 0, valueDigest: first[0]!.valueDigest });
  });
});
