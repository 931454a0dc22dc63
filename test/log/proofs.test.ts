import { describe, expect, it } from 'vitest';
import { packHashes } from '../../src/crypto/hash-list.js';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  planConsistencyProof,
  planInclusionProof,
  type RangeHashMemo,
  planRoot,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../src/log/index.js';
import { hexes, makeLeafHashes, naiveMth, naivePath, naiveProof, nodeKey, NodeTable } from './reference.js';

const MAX_SIZE = 64;
const LEAVES = makeLeafHashes(MAX_SIZE);
const mth = naiveMth(LEAVES);
// Varied batches (including single leaves and an empty batch) so nodes come from every append path.
const table = NodeTable.build(LEAVES, [1, 5, 0, 2, 13, 1, 1, 8]);

/** A plan for a tree of this size may only read nodes complete at that size, each once, O(log n) of them. */
function expectSoundPlan(nodes: NodeId[], size: number, label: string): void {
  const beyondSize = nodes.filter((node) => (node.index + 1) * 2 ** node.level > size).map(nodeKey);
  expect(beyondSize, `${label}: nodes not complete at this size`).toEqual([]);
  if (new Set(nodes.map(nodeKey)).size !== nodes.length) expect.fail(`${label}: duplicate nodes`);
  if (nodes.length > 2 * Math.ceil(Math.log2(size + 1)) + 1) expect.fail(`${label}: ${nodes.length} nodes`);
}

describe('proof plans against the naive RFC 9162 reference', () => {
  it('planRoot equals MTH at every size 0..64', () => {
    for (let size = 0; size <= MAX_SIZE; size++) {
      const plan = planRoot(size);
      expectSoundPlan(plan.nodes, size, `root ${size}`);
      expect(plan.assemble(table.read(plan.nodes)), `size ${size}`).toEqual(mth(0, size));
    }
  });

  it('inclusion proofs for every index < size <= 64 equal PATH and verify', () => {
    for (let size = 1; size <= MAX_SIZE; size++) {
      const root = mth(0, size);
      for (let index = 0; index < size; index++) {
        const label = `leaf ${index} in size ${size}`;
        const plan = planInclusionProof(index, size);
        expectSoundPlan(plan.nodes, size, label);
        const proof = plan.assemble(table.read(plan.nodes));
        expect(hexes(proof), label).toEqual(hexes(naivePath(mth, index, 0, size)));
        const leaf = LEAVES[index] as Buffer;
        verifyInclusion(leaf, index, size, packHashes(proof), root);
        expect(rootFromInclusionProof(leaf, index, size, packHashes(proof)).equals(root), label).toBe(true);
      }
    }
  });

  it('inclusion proofs with one shared range memo still equal PATH, and read fewer nodes', () => {
    const memo: RangeHashMemo = new Map();
    for (let size = 1; size <= MAX_SIZE; size++) {
      for (let index = 0; index < size; index++) {
        const label = `leaf ${index} in size ${size}, memo`;
        const plain = planInclusionProof(index, size);
        const plan = planInclusionProof(index, size, memo);
        const proof = plan.assemble(table.read(plan.nodes));
        expect(hexes(proof), label).toEqual(hexes(naivePath(mth, index, 0, size)));
        expect(plan.nodes.length, label).toBeLessThanOrEqual(plain.nodes.length);
      }
    }
    expect(memo.size).toBeGreaterThan(0);
    // A right-edge range seen before is not read again: leaf 0 of size 63 needs [32, 63) composed.
    const again = planInclusionProof(0, 63, memo);
    expect(again.nodes.length).toBeLessThan(planInclusionProof(0, 63).nodes.length);
  });

  it('consistency proofs for every 0 < m <= n <= 64 equal PROOF and verify', () => {
    for (let n = 1; n <= MAX_SIZE; n++) {
      for (let m = 1; m <= n; m++) {
        const label = `size ${m} to ${n}`;
        const plan = planConsistencyProof(m, n);
        expectSoundPlan(plan.nodes, n, label);
        const proof = plan.assemble(table.read(plan.nodes));
        expect(hexes(proof), label).toEqual(hexes(naiveProof(mth, m, n)));
        verifyConsistency(m, n, mth(0, m), mth(0, n), packHashes(proof));
      }
    }
  });

  it('assemble rejects the wrong number of hashes or a hash of the wrong length', () => {
    const plan = planInclusionProof(5, 13);
    const hashes = table.read(plan.nodes);
    expect(() => plan.assemble(hashes.slice(1))).toThrow(InvalidArgumentError);
    expect(() => plan.assemble([...hashes.slice(1), Buffer.alloc(31)])).toThrow(/must be 32 bytes, got 31/);
    expect(() => planRoot(0).assemble([Buffer.alloc(32)])).toThrow(InvalidArgumentError);
  });
});

describe('proof plan arguments', () => {
  it.each([
    ['index == size', () => planInclusionProof(3, 3), /leaf index 3 is out of range for tree size 3/],
    ['empty tree', () => planInclusionProof(0, 0), /out of range/],
    ['negative index', () => planInclusionProof(-1, 3), /leaf index must be a non-negative safe integer/],
    ['fractional size', () => planInclusionProof(0, 2.5), /tree size must be/],
    ['unsafe size', () => planRoot(2 ** 53), /tree size must be/],
    ['m > n', () => planConsistencyProof(5, 4), /old tree size 5 is larger than new tree size 4/],
    ['m == 0', () => planConsistencyProof(0, 4), /old tree size must be at least 1/],
    ['NaN', () => planConsistencyProof(Number.NaN, 4), /old tree size must be/],
  ])('%s throws InvalidArgumentError', (_name, call, message) => {
    expect(call).toThrow(InvalidArgumentError);
    expect(call).toThrow(message);
  });

  it('m == n gives an empty consistency proof', () => {
    const plan = planConsistencyProof(7, 7);
    expect(plan.nodes).toEqual([]);
    expect(plan.assemble([])).toEqual([]);
  });
});

describe('plans read each node once', () => {
  it('no inclusion or consistency plan names a node twice, sizes 1..130', () => {
    const distinct = (nodes: { level: number; index: number }[]) =>
      new Set(nodes.map((node) => `${node.level}/${node.index}`)).size === nodes.length;
    let plans = 0;
    for (let n = 1; n <= 130; n++) {
      for (let i = 0; i < n; i++, plans++)
        expect(distinct(planInclusionProof(i, n).nodes), `${i} in ${n}`).toBe(true);
      for (let m = 1; m <= n; m++, plans++)
        expect(distinct(planConsistencyProof(m, n).nodes), `${m} to ${n}`).toBe(true);
    }
    expect(plans).toBe(130 * 131);
  });
});
