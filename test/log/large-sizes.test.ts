/*
 * Sizes up to 2^53 - 1, where 32-bit bit tricks would silently break. A tree whose leaves all share
 * one hash has subtree hashes that depend only on their width, so the naive reference can compute
 * any MTH in O(log^2 n) and storage is a lookup by level.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packHashes } from '../../src/crypto/hash-list.js';
import { VerificationError } from '../../src/errors.js';
import {
  appendLeaves,
  frontierNodeIds,
  hashLeaf,
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  rootOfFrontier,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../src/log/index.js';
import { hexes, naivePath, naiveProof, uniformMth } from './reference.js';

const LEAF = hashLeaf(Buffer.from('same leaf everywhere'));
const mth = uniformMth(LEAF);
const MAX = Number.MAX_SAFE_INTEGER;

const readUniform = (nodes: NodeId[]): Buffer[] => nodes.map(({ level }) => mth(0, 2 ** level));
const sizeArb = fc.oneof(
  fc.integer({ min: 1, max: MAX }),
  fc.integer({ min: 1, max: 52 }).map((k) => 2 ** k),
  fc.integer({ min: 1, max: 52 }).map((k) => 2 ** k + 1),
  fc.integer({ min: 1, max: 53 }).map((k) => 2 ** k - 1),
);

describe('uniform-leaf trees up to 2^53 - 1 leaves', () => {
  it('planRoot and frontierNodeIds agree with the naive MTH', () => {
    fc.assert(
      fc.property(sizeArb, (size) => {
        const plan = planRoot(size);
        expect(plan.assemble(readUniform(plan.nodes)).equals(mth(0, size))).toBe(true);
        const frontier = { size, hashes: readUniform(frontierNodeIds(size)) };
        expect(rootOfFrontier(frontier).equals(mth(0, size))).toBe(true);
      }),
    );
  });

  it('inclusion proofs equal PATH and verify; a flipped bit does not', () => {
    const arb = sizeArb.chain((size) => fc.tuple(fc.integer({ min: 0, max: size - 1 }), fc.constant(size)));
    fc.assert(
      fc.property(arb, ([index, size]) => {
        const plan = planInclusionProof(index, size);
        const proof = plan.assemble(readUniform(plan.nodes));
        expect(hexes(proof)).toEqual(hexes(naivePath(mth, index, 0, size)));
        verifyInclusion(LEAF, index, size, packHashes(proof), mth(0, size));
        if (proof.length > 0) {
          const bad = proof.map((hash) => Buffer.from(hash));
          const first = bad[0] as Buffer;
          first[31] = (first[31] as number) ^ 0x80;
          expect(() => verifyInclusion(LEAF, index, size, packHashes(bad), mth(0, size))).toThrow(
            VerificationError,
          );
        }
      }),
    );
  });

  it('consistency proofs equal PROOF and verify', () => {
    const arb = sizeArb.chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(arb, ([m, n]) => {
        const plan = planConsistencyProof(m, n);
        const proof = plan.assemble(readUniform(plan.nodes));
        expect(hexes(proof)).toEqual(hexes(naiveProof(mth, m, n)));
        verifyConsistency(m, n, mth(0, m), mth(0, n), packHashes(proof));
      }),
    );
  });

  it('appendLeaves extends a huge frontier with the right nodes and root', () => {
    const arb = fc.tuple(fc.integer({ min: 0, max: MAX - 40 }), fc.integer({ min: 1, max: 40 }));
    fc.assert(
      fc.property(arb, ([size, count]) => {
        const frontier = { size, hashes: readUniform(frontierNodeIds(size)) };
        const result = appendLeaves(
          frontier,
          Array.from({ length: count }, () => LEAF),
        );
        expect(result.frontier.size).toBe(size + count);
        expect(rootOfFrontier(result.frontier).equals(mth(0, size + count))).toBe(true);
        // Exactly the subtrees that end in (size, size + count], each with its width's hash.
        const expected: string[] = [];
        for (let end = size + 1; end <= size + count; end++) {
          for (let level = 0; end % 2 ** level === 0; level++)
            expected.push(`${level}/${end / 2 ** level - 1}`);
        }
        expect(result.newNodes.map((node) => `${node.level}/${node.index}`)).toEqual(expected);
        for (const node of result.newNodes) expect(node.hash.equals(mth(0, 2 ** node.level))).toBe(true);
      }),
    );
  });
});
