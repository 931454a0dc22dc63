import { describe, expect, it } from 'vitest';
import { packHashes } from '../../src/crypto/hash-list.js';
import { InvalidArgumentError, VerificationError } from '../../src/errors.js';
import {
  EMPTY_ROOT,
  planConsistencyProof,
  planInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from '../../src/log/index.js';
import { makeLeafHashes, naiveMth, NodeTable } from './reference.js';

const LEAVES = makeLeafHashes(64);
const mth = naiveMth(LEAVES);
const table = NodeTable.build(LEAVES, [64]);
const OTHER_HASH = Buffer.alloc(32, 0x5e);

// The verifiers take packed proofs; these take the proof as a list of hashes, packing it at the call.
const verifyInclusionOf = (leaf: Buffer, index: number, size: number, proof: Buffer[], root: Buffer): void =>
  verifyInclusion(leaf, index, size, packHashes(proof), root);
const verifyConsistencyOf = (m: number, n: number, oldRoot: Buffer, newRoot: Buffer, proof: Buffer[]): void =>
  verifyConsistency(m, n, oldRoot, newRoot, packHashes(proof));

const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64];
const pick = (candidates: number[], lo: number, hi: number): number[] =>
  [...new Set(candidates)].filter((x) => x >= lo && x < hi);

const inclusionCases = SIZES.flatMap((size) =>
  pick([0, 1, Math.floor(size / 2), size - 2, size - 1], 0, size).map((index) => ({
    index,
    size,
    label: `leaf ${index} in size ${size}`,
  })),
);
const consistencyCases = SIZES.flatMap((n) =>
  pick([1, 2, Math.floor(n / 2), n - 2, n - 1], 1, n).map((m) => ({ m, n, label: `size ${m} to ${n}` })),
);

/** Copies of proof with one bit flipped, for every bit of element `element`. */
function everyBitFlipped(proof: Buffer[], element: number): Buffer[][] {
  return Array.from({ length: 256 }, (_, bit) => {
    const flipped = proof.map((hash) => Buffer.from(hash));
    const target = flipped[element] as Buffer;
    target[bit >> 3] = (target[bit >> 3] as number) ^ (1 << (bit & 7));
    return flipped;
  });
}

function proofVariants(proof: Buffer[], extra: Buffer): Array<[string, Buffer[]]> {
  const variants: Array<[string, Buffer[]]> = [
    ['extended at the end', [...proof, extra]],
    ['extended at the front', [extra, ...proof]],
    ['extended with zeros', [...proof, Buffer.alloc(32)]],
  ];
  if (proof.length > 0) {
    variants.push(
      ['truncated at the end', proof.slice(0, -1)],
      ['truncated at the front', proof.slice(1)],
      ['element duplicated', [proof[0] as Buffer, ...proof]],
      [
        'last hash one byte short (packed length not a multiple of 32)',
        [...proof.slice(0, -1), (proof.at(-1) as Buffer).subarray(1)],
      ],
      ['element replaced', [...proof.slice(0, -1), OTHER_HASH]],
      ['reversed', proof.length > 1 ? [...proof].reverse() : [OTHER_HASH]],
      ...proof.map((_, i): [string, Buffer[]] => [
        `bit 3 of element ${i} flipped`,
        everyBitFlipped(proof, i)[3] as Buffer[],
      ]),
    );
    const element = proof.length - 1;
    everyBitFlipped(proof, element).forEach((flipped, bit) =>
      variants.push([`bit ${bit} of element ${element}`, flipped]),
    );
  }
  return variants;
}

describe('verifyInclusion rejects', () => {
  it.each(inclusionCases)('corrupted proofs for $label', ({ index, size }) => {
    const plan = planInclusionProof(index, size);
    const proof = plan.assemble(table.read(plan.nodes));
    const leaf = LEAVES[index] as Buffer;
    const root = mth(0, size);
    verifyInclusionOf(leaf, index, size, proof, root); // the unmodified proof is good

    const calls: Array<[string, () => void]> = [
      ['index + 1', () => verifyInclusionOf(leaf, index + 1, size, proof, root)],
      ['index ^ 2', () => verifyInclusionOf(leaf, index ^ 2, size, proof, root)],
      ['size * 2', () => verifyInclusionOf(leaf, index, size * 2, proof, root)],
      ['size / 2', () => verifyInclusionOf(leaf, index, Math.floor(size / 2), proof, root)],
      ['wrong leaf', () => verifyInclusionOf(OTHER_HASH, index, size, proof, root)],
      ['empty root', () => verifyInclusionOf(leaf, index, size, proof, EMPTY_ROOT)],
      ['root of another size', () => verifyInclusionOf(leaf, index, size, proof, mth(0, (size % 64) + 1))],
      ['short root', () => verifyInclusionOf(leaf, index, size, proof, root.subarray(0, 31))],
      ['index == size', () => verifyInclusionOf(leaf, size, size, proof, root)],
      ...proofVariants(proof, root).map(([name, bad]): [string, () => void] => [
        name,
        () => verifyInclusionOf(leaf, index, size, bad, root),
      ]),
    ];
    if (index > 0) calls.push(['index - 1', () => verifyInclusionOf(leaf, index - 1, size, proof, root)]);
    // In a one-leaf tree the leaf hash is the root, so swapping them changes nothing.
    if (size > 1)
      calls.push(['leaf and root swapped', () => verifyInclusionOf(root, index, size, proof, leaf)]);
    const accepted = calls.filter(([, call]) => !throwsVerificationError(call)).map(([name]) => name);
    expect(accepted).toEqual([]);
  });

  it('out-of-range indices and empty trees, naming the problem', () => {
    expect(() => verifyInclusionOf(LEAVES[0] as Buffer, 0, 0, [], EMPTY_ROOT)).toThrow(
      /inclusion proof: leaf index 0 is out of range for tree size 0/,
    );
    expect(() => verifyInclusionOf(LEAVES[0] as Buffer, 0, 2, [], mth(0, 2))).toThrow(
      /inclusion proof: has 0 hashes, expected 1/,
    );
    expect(() => verifyInclusionOf(LEAVES[0] as Buffer, 0, 2, [LEAVES[1] as Buffer], OTHER_HASH)).toThrow(
      /inclusion proof: leaf 0 in tree size 2 leads to root [0-9a-f]{64}, expected 5e5e/,
    );
  });

  it('malformed sizes as argument errors', () => {
    expect(() => verifyInclusionOf(LEAVES[0] as Buffer, -1, 2, [], EMPTY_ROOT)).toThrow(InvalidArgumentError);
    expect(() => verifyInclusionOf(LEAVES[0] as Buffer, 0, 2 ** 53, [], EMPTY_ROOT)).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('verifyConsistency rejects', () => {
  it.each(consistencyCases)('corrupted proofs from $label', ({ m, n }) => {
    const plan = planConsistencyProof(m, n);
    const proof = plan.assemble(table.read(plan.nodes));
    const oldRoot = mth(0, m);
    const newRoot = mth(0, n);
    verifyConsistencyOf(m, n, oldRoot, newRoot, proof); // the unmodified proof is good

    const calls: Array<[string, () => void]> = [
      ['m - 1', () => verifyConsistencyOf(m - 1, n, oldRoot, newRoot, proof)],
      ['m + 1', () => verifyConsistencyOf(m + 1, n, oldRoot, newRoot, proof)],
      ['m ^ 2', () => verifyConsistencyOf(m ^ 2, n, oldRoot, newRoot, proof)],
      ['n * 2', () => verifyConsistencyOf(m, n * 2, oldRoot, newRoot, proof)],
      ['n / 2', () => verifyConsistencyOf(m, Math.floor(n / 2), oldRoot, newRoot, proof)],
      ['swapped roots', () => verifyConsistencyOf(m, n, newRoot, oldRoot, proof)],
      ['swapped sizes', () => verifyConsistencyOf(n, m, oldRoot, newRoot, proof)],
      ['wrong old root', () => verifyConsistencyOf(m, n, OTHER_HASH, newRoot, proof)],
      ['wrong new root', () => verifyConsistencyOf(m, n, oldRoot, OTHER_HASH, proof)],
      ['empty proof', () => verifyConsistencyOf(m, n, oldRoot, newRoot, [])],
      ...proofVariants(proof, oldRoot).map(([name, bad]): [string, () => void] => [
        name,
        () => verifyConsistencyOf(m, n, oldRoot, newRoot, bad),
      ]),
      ['extended with new root', () => verifyConsistencyOf(m, n, oldRoot, newRoot, [...proof, newRoot])],
    ];
    const accepted = calls.filter(([, call]) => !throwsVerificationError(call)).map(([name]) => name);
    expect(accepted).toEqual([]);
  });

  it('equal sizes need an empty proof and equal roots', () => {
    const root = mth(0, 5);
    verifyConsistencyOf(5, 5, root, root, []);
    expect(() => verifyConsistencyOf(5, 5, root, mth(0, 4), [])).toThrow(
      /consistency proof: trees of equal size 5 have different roots/,
    );
    expect(() => verifyConsistencyOf(5, 5, root, root, [root])).toThrow(
      /consistency proof: has 1 hashes, expected 0/,
    );
  });

  it('the empty old tree needs an empty proof and the empty root', () => {
    verifyConsistencyOf(0, 5, EMPTY_ROOT, mth(0, 5), []);
    verifyConsistencyOf(0, 0, EMPTY_ROOT, EMPTY_ROOT, []);
    expect(() => verifyConsistencyOf(0, 5, EMPTY_ROOT, mth(0, 5), [EMPTY_ROOT])).toThrow(VerificationError);
    expect(() => verifyConsistencyOf(0, 5, mth(0, 1), mth(0, 5), [])).toThrow(/not the empty root/);
    expect(() => verifyConsistencyOf(0, 0, EMPTY_ROOT, mth(0, 1), [])).toThrow(/different roots/);
  });

  it('an old size larger than the new one, naming both', () => {
    expect(() => verifyConsistencyOf(6, 5, mth(0, 6), mth(0, 5), [])).toThrow(
      /consistency proof: old tree size 6 is larger than new tree size 5/,
    );
  });
});

describe('packed proofs that are not a whole number of 32-byte hashes', () => {
  const inclusionPlan = planInclusionProof(5, 13);
  const inclusion = packHashes(inclusionPlan.assemble(table.read(inclusionPlan.nodes)));
  const consistencyPlan = planConsistencyProof(5, 13);
  const consistency = packHashes(consistencyPlan.assemble(table.read(consistencyPlan.nodes)));
  const ragged = (proof: Buffer): Array<[string, Buffer]> => [
    ['one byte short', proof.subarray(0, -1)],
    ['one byte over', Buffer.concat([proof, Buffer.alloc(1)])],
    ['a lone 31-byte hash', Buffer.alloc(31)],
    ['a single byte', Buffer.alloc(1)],
  ];

  it('are good when whole', () => {
    verifyInclusion(LEAVES[5] as Buffer, 5, 13, inclusion, mth(0, 13));
    verifyConsistency(5, 13, mth(0, 5), mth(0, 13), consistency);
  });

  it.each(ragged(inclusion))('are refused for inclusion: %s', (_name, bad) => {
    const call = () => verifyInclusion(LEAVES[5] as Buffer, 5, 13, bad, mth(0, 13));
    expect(call).toThrow(VerificationError);
    expect(call).toThrow(
      `inclusion proof: the proof is ${bad.length} bytes, not a whole number of 32-byte hashes`,
    );
  });

  it.each(ragged(consistency))('are refused for consistency: %s', (_name, bad) => {
    const call = () => verifyConsistency(5, 13, mth(0, 5), mth(0, 13), bad);
    expect(call).toThrow(VerificationError);
    expect(call).toThrow(
      `consistency proof: the proof is ${bad.length} bytes, not a whole number of 32-byte hashes`,
    );
  });
});

function throwsVerificationError(call: () => void): boolean {
  try {
    call();
    return false;
  } catch (error) {
    if (error instanceof VerificationError) return true;
    throw error;
  }
}
