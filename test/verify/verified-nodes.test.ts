// A verified-node set must never change a verdict: with it, every proof verifies or fails exactly
// as without it, including tampered proofs for keys and leaves whose real proofs filled the set.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { packHashes } from '../../src/crypto/hash-list.js';
import { hashChildren, verifyInclusion } from '../../src/log/index.js';
import { hashChildrenAt } from '../../src/log/hasher.js';
import { inclusionPathSteps } from '../../src/log/verify.js';
import {
  buildMapProof,
  mapInsertBatch,
  mapRoot,
  verifyMapProof,
  type MapProof,
} from '../../src/map/index.js';
import { EMPTY_HASH, mapLeafHash, mapNodeHashAt } from '../../src/map/hash.js';
import { mapPath } from '../../src/map/path.js';
import { mapPathSteps } from '../../src/map/verify.js';
import type { PairHasher } from '../../src/crypto/merkle-path.js';
import { VerifiedNodes, verifyInclusionKnown, verifyMapProofKnown } from '../../src/verify/verified-nodes.js';
import { makeLeafHashes, naiveMth, naivePath } from '../log/reference.js';
import { MemoryNodeSource, seededRandom } from '../map/support.js';

const random = seededRandom(2026);

/** 'ok' + result, or the error's class and message: verdicts compared in full. */
function verdict(run: () => unknown): string {
  try {
    return `ok ${JSON.stringify(run())}`;
  } catch (err) {
    return `${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
}

/** The same bytes, starting at an odd byte offset of their memory. */
function atOddOffset(bytes: Uint8Array): Buffer {
  const shifted = Buffer.concat([Buffer.alloc(1), bytes]).subarray(1);
  expect(shifted.byteOffset % 2).toBe(1);
  return shifted;
}

function flipRandomBit(hash: Uint8Array): Buffer {
  const copy = Buffer.from(hash);
  const bit = random.int(copy.length * 8);
  copy[bit >> 3] = copy[bit >> 3]! ^ (0x80 >> (bit & 7));
  return copy;
}

/** A reference log of `size` leaves: its leaf hashes, its root, and each leaf's inclusion proof. */
function logTree(size: number) {
  const leaves = makeLeafHashes(size);
  const mth = naiveMth(leaves);
  return { leaves, root: mth(0, size), proofOf: (index: number) => naivePath(mth, index, 0, size) };
}

describe('log inclusion proofs with verified nodes', () => {
  for (const size of [1, 2, 3, 7, 64, 100, 257]) {
    it(`size ${size}: same verdict as without the memo, valid or tampered, warm or cold`, () => {
      const { leaves, root, proofOf } = logTree(size);
      const memo = new VerifiedNodes(root);
      let rejected = 0;
      for (let round = 0; round < 600; round++) {
        const index = random.int(size);
        let leaf: Uint8Array = leaves[index]!;
        let claimedIndex = index;
        let proof: Uint8Array[] = proofOf(index);
        switch (random.int(5)) {
          case 0: // tamper one proof element
            if (proof.length > 0) {
              const i = random.int(proof.length);
              proof = proof.map((p, j) => (j === i ? flipRandomBit(p) : p));
            }
            break;
          case 1: // another leaf's hash under this proof
            leaf = leaves[(index + 1) % size]!;
            break;
          case 2: // this proof for a neighbouring index
            claimedIndex = (index + 1) % size;
            break;
          default: // valid
        }
        const plain = verdict(() => verifyInclusion(leaf, claimedIndex, size, packHashes(proof), root));
        const memoised = verdict(() =>
          verifyInclusionKnown(memo, leaf, claimedIndex, size, packHashes(proof), root),
        );
        expect(memoised).toBe(plain);
        if (!plain.startsWith('ok')) rejected++;
      }
      if (size > 1) expect(rejected).toBeGreaterThan(100);
    });
  }

  it('remembers the nodes of a proof that verified, and only those', () => {
    const size = 100;
    const { leaves, root, proofOf } = logTree(size);
    const memo = new VerifiedNodes(root);
    const proof = proofOf(42);
    const bad = [flipRandomBit(proof[0]!), ...proof.slice(1)];
    expect(() => verifyInclusionKnown(memo, leaves[42]!, 42, size, packHashes(bad), root)).toThrow(
      /leads to root/,
    );
    expect(memo.has(0, 42, leaves[42]!)).toBe(false);
    verifyInclusionKnown(memo, leaves[42]!, 42, size, packHashes(proof), root);
    // Leaf 42 and its sibling, leaf 43, then their parent (leaves 40..43) and its sibling (44..47).
    expect(memo.has(0, 42, leaves[42]!)).toBe(true);
    expect(memo.has(0, 43, proof[0]!)).toBe(true);
    expect(memo.has(1, 21, hashChildren(leaves[42]!, proof[0]!))).toBe(true);
    expect(memo.has(2, 11, proof[2]!)).toBe(true);
    expect(memo.has(0, 43, bad[0]!)).toBe(false);
  });

  it('rejects a tampered sibling above a node it knows, without hashing up to it', () => {
    const size = 257;
    const { leaves, root, proofOf } = logTree(size);
    const memo = new VerifiedNodes(root);
    verifyInclusionKnown(memo, leaves[10]!, 10, size, packHashes(proofOf(10)), root);
    // Leaf 10 is known now: a proof for it stops hashing at once and compares every sibling.
    for (let i = 0; i < proofOf(10).length; i++) {
      const bad = proofOf(10).map((p, j) => (j === i ? flipRandomBit(p) : p));
      expect(() => verifyInclusionKnown(memo, leaves[10]!, 10, size, packHashes(bad), root)).toThrow(
        /leads to root/,
      );
    }
    expect(() =>
      verifyInclusionKnown(memo, leaves[10]!, 10, size, packHashes(proofOf(10)), root),
    ).not.toThrow();
  });

  for (const size of [7, 100, 257, 1000]) {
    it(`size ${size}: honest proofs hash each step at most once, and nothing once all are known`, () => {
      const { leaves, root, proofOf } = logTree(size);
      const known = new VerifiedNodes(root);
      let hashes = 0;
      const countingHash: PairHasher = (...pair) => (hashes++, hashChildrenAt(...pair));
      const walk = (index: number) => {
        const proof = packHashes(proofOf(index));
        const steps = inclusionPathSteps(leaves[index]!, index, size, proof);
        hashes = 0;
        expect(known.walk(leaves[index]!, steps, countingHash)).toEqual(root);
        return steps.length;
      };
      // Right edge first: its nodes cover the same leaves at several levels, so naming matters.
      for (let index = size - 1; index >= 0; index--) {
        const steps = walk(index);
        expect(hashes).toBeLessThanOrEqual(steps);
      }
      for (let index = 0; index < size; index++) {
        walk(index);
        expect(hashes).toBe(0);
      }
    });
  }

  it('refuses a set made for another root', () => {
    const { leaves, root, proofOf } = logTree(4);
    const memo = new VerifiedNodes(Buffer.alloc(32, 1));
    expect(() => verifyInclusionKnown(memo, leaves[0]!, 0, 4, packHashes(proofOf(0)), root)).toThrow(
      InvalidArgumentError,
    );
  });

  it('a full set starts over and stays correct', () => {
    const size = 64;
    const { leaves, root, proofOf } = logTree(size);
    const memo = new VerifiedNodes(root, 10);
    for (let i = 0; i < size; i++)
      verifyInclusionKnown(memo, leaves[i]!, i, size, packHashes(proofOf(i)), root);
    const bad = proofOf(5).map((p, j) => (j === 3 ? flipRandomBit(p) : p));
    expect(() => verifyInclusionKnown(memo, leaves[5]!, 5, size, packHashes(bad), root)).toThrow(
      /leads to root/,
    );
  });
});

describe('VerifiedNodes positions', () => {
  it('holds nodes at small, large and very large indices apart, per level', () => {
    const known = new VerifiedNodes(Buffer.alloc(32));
    const positions: Array<[number, number]> = [
      [3, 0],
      [3, 5],
      [3, 65_535],
      [3, 65_536],
      [3, 2 ** 40],
      [4, 5],
      [48, 2 ** 47 + 3],
    ];
    const hashes = positions.map(() => random.bytes(32));
    positions.forEach(([level, index], i) => known.add(level, index, hashes[i]!));
    positions.forEach(([level, index], i) => {
      expect(known.has(level, index, hashes[i]!)).toBe(true);
      expect(known.has(level, index, hashes[(i + 1) % hashes.length]!)).toBe(false);
    });
    for (const [level, index] of [
      [3, 1],
      [3, 65_534],
      [3, 65_537],
      [3, 2 ** 40 + 1],
      [5, 5],
    ] as const) {
      expect(known.has(level, index, hashes[0]!)).toBe(false);
    }
  });
});

describe('map proofs with verified nodes', () => {
  const source = new MemoryNodeSource();
  const keys = Array.from({ length: 400 }, () => random.bytes(20));
  source.apply(
    mapInsertBatch(
      source,
      keys.map((key, i) => ({ key, logIndex: i, valueDigest: random.bytes(32) })),
    ).writes,
  );
  const root = mapRoot(source);
  const absentKeys = Array.from({ length: 100 }, () => random.bytes(20));

  const tamper = (proof: MapProof): MapProof => {
    const copy: MapProof = {
      depth: proof.depth,
      emptyBitmap: Buffer.from(proof.emptyBitmap),
      siblings: Buffer.from(proof.siblings),
      leaf: proof.leaf && { ...proof.leaf, valueDigest: Buffer.from(proof.leaf.valueDigest) },
    };
    const choice = random.int(3);
    if (choice === 0 && copy.siblings.length > 0) {
      copy.siblings = flipRandomBit(copy.siblings);
    } else if (choice === 1 && copy.leaf) {
      copy.leaf = { ...copy.leaf, valueDigest: flipRandomBit(copy.leaf.valueDigest) };
    } else if (copy.leaf) {
      copy.leaf = { ...copy.leaf, logIndex: copy.leaf.logIndex + 1 };
    } else {
      copy.leaf = { path: random.bytes(32), logIndex: 0, valueDigest: random.bytes(32) };
    }
    return copy;
  };

  it('same verdict as without the memo for members, absent keys, tampered proofs and swapped keys', () => {
    const memo = new VerifiedNodes(root);
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      const key =
        random.int(5) === 0 ? absentKeys[random.int(absentKeys.length)]! : keys[random.int(keys.length)]!;
      let proof = buildMapProof(source, key);
      let askedKey = key;
      const kind = random.int(4);
      if (kind === 0) proof = tamper(proof);
      if (kind === 1) askedKey = keys[random.int(keys.length)]!; // another key's proof
      // Siblings are compared word-wise when 4-byte aligned, and copied first when not: both.
      if (random.int(2) === 0) proof = { ...proof, siblings: atOddOffset(proof.siblings) };
      const plain = verdict(() => verifyMapProof(root, askedKey, proof));
      const memoised = verdict(() => verifyMapProofKnown(memo, root, mapPath(askedKey), proof));
      expect(memoised).toBe(plain);
      if (!plain.startsWith('ok')) rejected++;
    }
    expect(rejected).toBeGreaterThan(500);
  });

  it('honest proofs hash each step at most once, and nothing once all are known', () => {
    const known = new VerifiedNodes(root);
    let hashes = 0;
    const countingHash: PairHasher = (...pair) => (hashes++, mapNodeHashAt(...pair));
    const walk = (key: Uint8Array) => {
      const proof = buildMapProof(source, key);
      const steps = mapPathSteps(mapPath(key), proof);
      hashes = 0;
      const start = proof.leaf === null ? EMPTY_HASH : mapLeafHash(proof.leaf);
      expect(known.walk(start, steps, countingHash)).toEqual(root);
      return steps.length;
    };
    for (const key of [...keys, ...absentKeys]) {
      const steps = walk(key);
      expect(hashes).toBeLessThanOrEqual(steps);
    }
    for (const key of [...keys, ...absentKeys]) {
      walk(key);
      expect(hashes).toBe(0);
    }
  });

  it('an absent key cannot borrow an empty subtree proven at another position', () => {
    // Warm the memo with every real proof, so every empty subtree of the map is remembered.
    const memo = new VerifiedNodes(root);
    for (const key of [...keys, ...absentKeys])
      verifyMapProofKnown(memo, root, mapPath(key), buildMapProof(source, key));
    for (const key of keys.slice(0, 50)) {
      // Claim the member is absent: an empty terminal where its leaf is, with its real siblings.
      const real = buildMapProof(source, key);
      const forged: MapProof = { ...real, leaf: null };
      expect(verdict(() => verifyMapProofKnown(memo, root, mapPath(key), forged))).toBe(
        verdict(() => verifyMapProof(root, key, forged)),
      );
      expect(() => verifyMapProofKnown(memo, root, mapPath(key), forged)).toThrow();
    }
  });
});
