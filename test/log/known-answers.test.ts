import { describe, expect, it } from 'vitest';
import { packHashes } from '../../src/crypto/hash-list.js';
import {
  appendLeaves,
  hashLeaf,
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  rootOfFrontier,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
} from '../../src/log/index.js';
import { NodeTable } from './reference.js';
import {
  COMPACT_TREES,
  CONSISTENCY_VECTORS,
  INCLUSION_VECTORS,
  LEAF_INPUTS,
  NODE_HASHES,
  ROOT_HASHES,
} from './rfc6962-vectors.js';

const leafHashes = LEAF_INPUTS.map(hashLeaf);
const table = NodeTable.build(leafHashes, [1, 2, 3]);
const nodeHash = ([level, index]: [number, number]): Buffer => NODE_HASHES[level]?.[index] as Buffer;

describe('RFC 6962 known answers (transparency-dev/merkle)', () => {
  it('appendLeaves writes exactly the published node hashes', () => {
    const expected = new Map<string, Buffer>();
    NODE_HASHES.forEach((level, l) => level.forEach((hash, i) => expected.set(`${l}/${i}`, hash)));
    expect(table.hashes).toEqual(expected);
  });

  it('frontier and root after each single-leaf append match CompactTrees and RootHashes', () => {
    let frontier: Frontier = { size: 0, hashes: [] };
    expect(rootOfFrontier(frontier)).toEqual(ROOT_HASHES[0]);
    for (let size = 1; size <= 8; size++) {
      frontier = appendLeaves(frontier, [leafHashes[size - 1] as Buffer]).frontier;
      expect(frontier.hashes).toEqual((COMPACT_TREES[size] ?? []).map(nodeHash));
      expect(rootOfFrontier(frontier)).toEqual(ROOT_HASHES[size]);
    }
  });

  it('planRoot gives the published root at sizes 0..8', () => {
    for (let size = 0; size <= 8; size++) {
      const plan = planRoot(size);
      expect(plan.assemble(table.read(plan.nodes)), `size ${size}`).toEqual(ROOT_HASHES[size]);
    }
  });

  it.each(INCLUSION_VECTORS)('inclusion proof for leaf $index in size $size', ({ index, size, proof }) => {
    const plan = planInclusionProof(index, size);
    expect(plan.assemble(table.read(plan.nodes))).toEqual(proof);
    verifyInclusion(leafHashes[index] as Buffer, index, size, packHashes(proof), ROOT_HASHES[size] as Buffer);
  });

  it.each(CONSISTENCY_VECTORS)('consistency proof from size $m to $n', ({ m, n, proof }) => {
    const plan = planConsistencyProof(m, n);
    expect(plan.assemble(table.read(plan.nodes))).toEqual(proof);
    verifyConsistency(m, n, ROOT_HASHES[m] as Buffer, ROOT_HASHES[n] as Buffer, packHashes(proof));
  });
});
