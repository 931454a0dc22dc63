/*
 * Test helpers: a naive RFC 9162 reference (MTH, PATH, PROOF transcribed from sections 2.1.1,
 * 2.1.3.1 and 2.1.4.1, sharing no code with src/log except the two hash functions), and a node
 * table filled only through appendLeaves, standing in for storage.
 */
import { expect } from 'vitest';
import { appendLeaves, EMPTY_ROOT, hashChildren, type Frontier, type NodeId } from '../../src/log/index.js';

/** MTH(D[start:end]). */
export type SubtreeHash = (start: number, end: number) => Buffer;

/** Largest power of two strictly less than n (n >= 2), by counting up. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 2.1.1 MTH over explicit leaf hashes, memoised by range. */
export function naiveMth(leafHashes: Buffer[]): SubtreeHash {
  const memo = new Map<string, Buffer>();
  const mth: SubtreeHash = (start, end) => {
    const n = end - start;
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return leafHashes[start] as Buffer;
    const key = `${start}-${end}`;
    let hash = memo.get(key);
    if (hash === undefined) {
      const k = splitPoint(n);
      hash = hashChildren(mth(start, start + k), mth(start + k, end));
      memo.set(key, hash);
    }
    return hash;
  };
  return mth;
}

/** MTH of a tree whose leaves all have the same hash: depends only on the number of leaves. */
export function uniformMth(leafHash: Buffer): SubtreeHash {
  const memo = new Map<number, Buffer>([[1, leafHash]]);
  const bySize = (n: number): Buffer => {
    let hash = memo.get(n);
    if (hash === undefined) {
      const k = splitPoint(n);
      hash = hashChildren(bySize(k), bySize(n - k));
      memo.set(n, hash);
    }
    return hash;
  };
  return (start, end) => (end === start ? EMPTY_ROOT : bySize(end - start));
}

/** RFC 9162 2.1.3.1 PATH(m, D[start:end]). */
export function naivePath(mth: SubtreeHash, m: number, start: number, end: number): Buffer[] {
  const n = end - start;
  if (n === 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...naivePath(mth, m, start, start + k), mth(start + k, end)];
  return [...naivePath(mth, m - k, start + k, end), mth(start, start + k)];
}

/** RFC 9162 2.1.4.1 PROOF(m, D[0:n]). */
export function naiveProof(mth: SubtreeHash, m: number, n: number): Buffer[] {
  return subproof(mth, m, 0, n, true);
}

function subproof(mth: SubtreeHash, m: number, start: number, end: number, b: boolean): Buffer[] {
  const n = end - start;
  if (m === n) return b ? [] : [mth(start, end)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(mth, m, start, start + k, b), mth(start + k, end)];
  return [...subproof(mth, m - k, start + k, end, false), mth(start, start + k)];
}

/** Distinct, deterministic leaf hashes for tests. */
export function makeLeafHashes(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const hash = Buffer.alloc(32, 0xa5);
    hash.writeUInt32BE(i, 0);
    return hash;
  });
}

export const nodeKey = ({ level, index }: NodeId): string => `${level}/${index}`;

/** Storage stand-in: every node appendLeaves reports, each of which must be new. */
export class NodeTable {
  readonly hashes = new Map<string, Buffer>();
  frontier: Frontier = { size: 0, hashes: [] };

  append(leafHashes: Buffer[]): void {
    const { frontier, newNodes } = appendLeaves(this.frontier, leafHashes);
    for (const node of newNodes) {
      if (this.hashes.has(nodeKey(node))) expect.fail(`node ${nodeKey(node)} written twice`);
      this.hashes.set(nodeKey(node), node.hash);
    }
    this.frontier = frontier;
  }

  /** Appends in batches whose sizes cycle through batchSizes. */
  static build(leafHashes: Buffer[], batchSizes: number[]): NodeTable {
    const table = new NodeTable();
    for (let done = 0, i = 0; done < leafHashes.length; i++) {
      const take = batchSizes[i % batchSizes.length] as number;
      table.append(leafHashes.slice(done, done + take));
      done += take;
    }
    return table;
  }

  /** Bulk read for a plan; fails the test if a node was never written. */
  read(nodes: NodeId[]): Buffer[] {
    return nodes.map((node) => {
      const hash = this.hashes.get(nodeKey(node));
      if (hash === undefined) expect.fail(`node ${nodeKey(node)} was never written`);
      return hash;
    });
  }
}

/** Hex strings compare far faster than Buffers in vitest's deep equality. */
export const hexes = (hashes: Buffer[]): string[] => hashes.map((hash) => hash.toString('hex'));
