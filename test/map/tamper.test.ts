// Every alteration of a valid proof, root or key must be rejected with a VerificationError.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, VerificationError } from '../../src/errors.js';
import {
  buildMapProof,
  mapInsertBatch,
  mapRoot,
  verifyMapProof,
  type MapInsert,
  type MapProof,
} from '../../src/map/index.js';
import {
  MemoryNodeSource,
  ZERO_HASH,
  keysSharingPrefix,
  referenceLeafHash,
  referenceNodeHash,
  referencePath,
  seededRandom,
} from './support.js';

const random = seededRandom(7);
const [nearA, nearB] = keysSharingPrefix(16, 2);
const inserts: MapInsert[] = [
  { key: nearA!, logIndex: 0, valueDigest: random.bytes(32) },
  { key: nearB!, logIndex: 1, valueDigest: random.bytes(32) },
  ...Array.from({ length: 300 }, (_, i) => ({
    key: random.bytes(16),
    logIndex: i + 2,
    valueDigest: random.bytes(32),
  })),
];
const source = new MemoryNodeSource();
source.apply(mapInsertBatch(source, inserts.slice(0, -1)).writes);
const previousRoot = mapRoot(source);
source.apply(mapInsertBatch(source, inserts.slice(-1)).writes);
const root = mapRoot(source);

function findAbsent(wantLeafTerminal: boolean): Buffer {
  for (;;) {
    const key = random.bytes(16);
    const proof = buildMapProof(source, key);
    if ((proof.leaf !== null) === wantLeafTerminal && proof.depth > 0) return key;
  }
}

const cases: Array<{ name: string; key: Buffer }> = [
  { name: 'membership, deep near-collision', key: nearA! },
  { name: 'membership, random key', key: inserts[50]!.key },
  { name: 'membership, last inserted', key: inserts.at(-1)!.key },
  { name: 'non-membership, empty terminal', key: findAbsent(false) },
  { name: 'non-membership, other leaf', key: findAbsent(true) },
];

function clone(proof: MapProof): MapProof {
  return {
    depth: proof.depth,
    emptyBitmap: Buffer.from(proof.emptyBitmap),
    siblings: Buffer.from(proof.siblings),
    leaf: proof.leaf && {
      ...proof.leaf,
      path: Buffer.from(proof.leaf.path),
      valueDigest: Buffer.from(proof.leaf.valueDigest),
    },
  };
}

function flipBit(bytes: Buffer, bit: number): void {
  bytes[bit >> 3] = bytes[bit >> 3]! ^ (0x80 >> (bit & 7));
}

function expectRejected(key: Buffer, proof: MapProof, why?: RegExp, against: Buffer = root): void {
  expect(() => verifyMapProof(against, key, proof)).toThrow(VerificationError);
  if (why) expect(() => verifyMapProof(against, key, proof)).toThrow(why);
}

describe('map proof tampering', () => {
  for (const { name, key } of cases) {
    describe(name, () => {
      const proof = buildMapProof(source, key);

      it('verifies untouched', () => {
        const expected = proof.leaf?.path.equals(referencePath(key))
          ? { logIndex: proof.leaf.logIndex, valueDigest: proof.leaf.valueDigest }
          : null;
        expect(verifyMapProof(root, key, clone(proof))).toEqual(expected);
        expect(expected !== null).toBe(name.startsWith('membership'));
      });

      it('rejects any flipped sibling bit', () => {
        expect(proof.siblings.length).toBeGreaterThan(0);
        for (let bit = 0; bit < proof.siblings.length * 8; bit++) {
          const bad = clone(proof);
          flipBit(bad.siblings, bit);
          expectRejected(key, bad);
        }
      });

      it('rejects any flipped bitmap bit, including padding', () => {
        for (let bit = 0; bit < proof.emptyBitmap.length * 8; bit++) {
          const bad = clone(proof);
          flipBit(bad.emptyBitmap, bit);
          expectRejected(key, bad, bit >= proof.depth ? /padding/ : undefined);
        }
      });

      it('rejects truncated, extended and mis-sized siblings', () => {
        const dropFirst = clone(proof);
        dropFirst.siblings = dropFirst.siblings.subarray(32);
        expectRejected(key, dropFirst, /non-empty siblings/);
        const dropLast = clone(proof);
        dropLast.siblings = dropLast.siblings.subarray(0, -32);
        expectRejected(key, dropLast, /non-empty siblings/);
        const extra = clone(proof);
        extra.siblings = Buffer.concat([extra.siblings, random.bytes(32)]);
        expectRejected(key, extra, /non-empty siblings/);
        const short = clone(proof);
        short.siblings = short.siblings.subarray(1);
        expectRejected(key, short, /not a whole number of 32-byte hashes/);
        const zero = clone(proof);
        zero.siblings.fill(0, 0, 32);
        expectRejected(key, zero, /not flagged/);
      });

      it('rejects a changed depth', () => {
        // One level deeper with a consistent bitmap and an extra sibling: a different tree.
        const deeper = clone(proof);
        deeper.depth += 1;
        deeper.emptyBitmap = Buffer.concat([
          deeper.emptyBitmap,
          Buffer.alloc(deeper.emptyBitmap.length * 8 < deeper.depth ? 1 : 0),
        ]);
        deeper.siblings = Buffer.concat([deeper.siblings, random.bytes(32)]);
        expectRejected(key, deeper);
        const tooLong = clone(proof);
        tooLong.depth = 257;
        tooLong.emptyBitmap = Buffer.alloc(33, 0xff);
        tooLong.emptyBitmap[32] = 0x80;
        tooLong.siblings = Buffer.alloc(0);
        expectRejected(key, tooLong, /too long/);
      });

      it('rejects altered leaf fields', () => {
        if (proof.leaf === null) {
          const invented = clone(proof);
          invented.leaf = { path: referencePath(key), logIndex: 0, valueDigest: random.bytes(32) };
          expectRejected(key, invented, /expected map root/);
          return;
        }
        for (let bit = 0; bit < 256; bit++) {
          const bad = clone(proof);
          flipBit(bad.leaf!.path, bit);
          expectRejected(key, bad, bit < proof.depth ? /not on the queried path/ : undefined);
        }
        for (let bit = 0; bit < 256; bit += 3) {
          const bad = clone(proof);
          flipBit(bad.leaf!.valueDigest, bit);
          expectRejected(key, bad);
        }
        for (const logIndex of [
          proof.leaf.logIndex + 1,
          proof.leaf.logIndex ^ 1,
          2 ** 32 + proof.leaf.logIndex,
        ]) {
          const bad = clone(proof);
          bad.leaf!.logIndex = logIndex;
          expectRejected(key, bad, /expected map root/);
        }
        for (const logIndex of [-1, 0.5, 2 ** 53]) {
          const bad = clone(proof);
          bad.leaf!.logIndex = logIndex;
          expectRejected(key, bad, /log index/);
        }
        const shortDigest = clone(proof);
        shortDigest.leaf!.valueDigest = shortDigest.leaf!.valueDigest.subarray(1);
        expectRejected(key, shortDigest, /value digest must be 32 bytes/);
        const longPath = clone(proof);
        longPath.leaf!.path = Buffer.concat([longPath.leaf!.path, Buffer.alloc(1)]);
        expectRejected(key, longPath, /leaf path must be 32 bytes/);
        const dropped = clone(proof);
        dropped.leaf = null;
        expectRejected(key, dropped);
      });

      it('rejects other roots', () => {
        expectRejected(key, clone(proof), /expected map root/, previousRoot);
        expectRejected(key, clone(proof), /expected map root/, random.bytes(32));
        expect(() => verifyMapProof(root.subarray(1), key, clone(proof))).toThrow(InvalidArgumentError);
      });
    });
  }

  it('never lets one key borrow another key’s membership proof', () => {
    const members = inserts.slice(0, 40).map((x) => x.key);
    for (const owner of members) {
      const proof = buildMapProof(source, owner);
      for (const other of members)
        if (other !== owner) expectRejected(other, clone(proof), /not on the queried path/);
      // For an absent key the borrowed proof proves at most absence, never the owner's value.
      const absent = random.bytes(16);
      let outcome: unknown;
      try {
        outcome = verifyMapProof(root, absent, clone(proof));
      } catch (error) {
        outcome = error;
      }
      expect(outcome === null || outcome instanceof VerificationError).toBe(true);
    }
  });

  it('rejects a non-membership proof rewritten to carry the queried path', () => {
    const key = cases[4]!.key;
    const proof = clone(buildMapProof(source, key));
    expect(verifyMapProof(root, key, proof)).toBeNull();
    proof.leaf!.path = referencePath(key);
    expectRejected(key, proof, /expected map root/);
  });
});

describe('map proof canonical form', () => {
  // Roots of trees an honest map never builds, to show the verifier refuses such proofs on
  // structure alone, before comparing roots.
  const key = Buffer.from('canonical');
  const path = referencePath(key);
  const leaf = { path, logIndex: 3, valueDigest: Buffer.alloc(32, 3) };
  const below = (child: Buffer, sibling: Buffer, bit: number): Buffer =>
    bit === 0 ? referenceNodeHash(child, sibling) : referenceNodeHash(sibling, child);
  const firstBit = path[0]! >> 7;

  it('rejects a leaf whose deepest sibling is empty (it should have been collapsed)', () => {
    const uncollapsedRoot = below(referenceLeafHash(leaf), ZERO_HASH, firstBit);
    const proof: MapProof = { depth: 1, emptyBitmap: Buffer.from([0x80]), siblings: Buffer.alloc(0), leaf };
    expectRejected(key, proof, /non-canonical.*collapsed/, uncollapsedRoot);
  });

  it('rejects an empty terminal whose sibling is empty', () => {
    const emptyPairRoot = referenceNodeHash(ZERO_HASH, ZERO_HASH);
    const proof: MapProof = {
      depth: 1,
      emptyBitmap: Buffer.from([0x80]),
      siblings: Buffer.alloc(0),
      leaf: null,
    };
    expectRejected(key, proof, /non-canonical.*empty sibling/, emptyPairRoot);
  });

  it('rejects an empty terminal at depth 256', () => {
    const siblings = Array.from({ length: 256 }, (_, i) => Buffer.alloc(32, (i % 255) + 1));
    let hash: Buffer = ZERO_HASH;
    for (let d = 255; d >= 0; d--) hash = below(hash, siblings[d]!, (path[d >> 3]! >> (7 - (d & 7))) & 1);
    const proof: MapProof = {
      depth: 256,
      emptyBitmap: Buffer.alloc(32),
      siblings: Buffer.concat(siblings),
      leaf: null,
    };
    expectRejected(key, proof, /depth 256/, hash);
  });

  it('accepts the empty map only with a depth-0 empty proof', () => {
    const proof: MapProof = { depth: 0, emptyBitmap: Buffer.alloc(0), siblings: Buffer.alloc(0), leaf: null };
    expect(verifyMapProof(ZERO_HASH, key, proof)).toBeNull();
    expect(buildMapProof(new MemoryNodeSource(), key)).toEqual(proof);
    expectRejected(key, proof, /expected map root/, referenceLeafHash(leaf));
  });
});
