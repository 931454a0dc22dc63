import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { appendLeaves, frontierNodeIds, rootOfFrontier, type Frontier } from '../../src/log/index.js';
import { makeLeafHashes, naiveMth, NodeTable } from './reference.js';

const LEAVES = makeLeafHashes(100);
const mth = naiveMth(LEAVES);

describe('frontierNodeIds', () => {
  it('lists the perfect subtrees of [0, size), largest first', () => {
    expect(frontierNodeIds(0)).toEqual([]);
    expect(frontierNodeIds(1)).toEqual([{ level: 0, index: 0 }]);
    expect(frontierNodeIds(8)).toEqual([{ level: 3, index: 0 }]);
    expect(frontierNodeIds(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
  });

  it('handles sizes above 2^32 exactly', () => {
    const size = 2 ** 40 + 2 ** 33 + 5;
    expect(frontierNodeIds(size)).toEqual([
      { level: 40, index: 0 },
      { level: 33, index: 2 ** 7 },
      { level: 2, index: (2 ** 40 + 2 ** 33) / 4 },
      { level: 0, index: 2 ** 40 + 2 ** 33 + 4 },
    ]);
  });

  it('rejects negative and non-integer sizes', () => {
    expect(() => frontierNodeIds(-1)).toThrow(InvalidArgumentError);
    expect(() => frontierNodeIds(1.5)).toThrow(InvalidArgumentError);
  });
});

describe('appendLeaves', () => {
  it.each([[[1]], [[2]], [[3, 1, 4, 1, 5]], [[0, 7, 16]], [[100]]])(
    'in batches of %j writes every complete subtree once and tracks the root',
    (batchSizes) => {
      const table = NodeTable.build(LEAVES, batchSizes);
      // 100 leaves have 100 + 50 + 25 + 12 + 6 + 3 + 1 complete subtrees.
      expect(table.hashes.size).toBe(197);
      for (const [key, hash] of table.hashes) {
        const [level, index] = key.split('/').map(Number) as [number, number];
        const width = 2 ** level;
        expect(hash, key).toEqual(mth(index * width, (index + 1) * width));
      }
      expect(table.frontier.size).toBe(100);
      expect(rootOfFrontier(table.frontier)).toEqual(mth(0, 100));
    },
  );

  it('frontier hashes are the MTHs of frontierNodeIds at every size', () => {
    let frontier: Frontier = { size: 0, hashes: [] };
    for (let size = 1; size <= LEAVES.length; size++) {
      frontier = appendLeaves(frontier, [LEAVES[size - 1] as Buffer]).frontier;
      const expected = frontierNodeIds(size).map(({ level, index }) =>
        mth(index * 2 ** level, (index + 1) * 2 ** level),
      );
      expect(frontier.hashes).toEqual(expected);
      expect(rootOfFrontier(frontier)).toEqual(mth(0, size));
    }
  });

  it('reports new nodes bottom-up in append order', () => {
    const { newNodes } = appendLeaves({ size: 3, hashes: [mth(0, 2), mth(2, 3)] }, [LEAVES[3] as Buffer]);
    expect(newNodes.map(({ level, index }) => [level, index])).toEqual([
      [0, 3],
      [1, 1],
      [2, 0],
    ]);
  });

  it('does not modify the input frontier', () => {
    const frontier: Frontier = { size: 1, hashes: [LEAVES[0] as Buffer] };
    appendLeaves(frontier, [LEAVES[1] as Buffer]);
    expect(frontier).toEqual({ size: 1, hashes: [LEAVES[0]] });
  });

  it('works at sizes above 2^32', () => {
    const size = 2 ** 33 - 1; // all ones: one append completes 33 nodes up to level 33
    const hashes = Array.from({ length: 33 }, (_, i) => Buffer.alloc(32, i));
    const { frontier, newNodes } = appendLeaves({ size, hashes }, [Buffer.alloc(32, 0xff)]);
    expect(frontier.size).toBe(2 ** 33);
    expect(frontier.hashes).toHaveLength(1);
    expect(newNodes.at(-1)).toMatchObject({ level: 33, index: 0 });
    expect(newNodes[1]).toMatchObject({ level: 1, index: 2 ** 32 - 1 });
  });

  it('rejects a frontier whose hash count does not match its size, and bad hash lengths', () => {
    expect(() => appendLeaves({ size: 3, hashes: [LEAVES[0] as Buffer] }, [])).toThrow(InvalidArgumentError);
    expect(() => appendLeaves({ size: 0, hashes: [] }, [Buffer.alloc(31)])).toThrow(/32 bytes, got 31/);
    expect(() => rootOfFrontier({ size: 2, hashes: [] })).toThrow(InvalidArgumentError);
  });
});
