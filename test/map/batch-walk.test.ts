// The breadth-first batch walk must find what walkToTerminal finds for every path, asking for each
// position once and for nothing walkToTerminal would not read.
import { describe, expect, it } from 'vitest';
import { BatchWalk } from '../../src/map/batch-walk.js';
import {
  mapInsertBatch,
  mapPath,
  positionKey,
  type MapInsert,
  type MapNodeSource,
} from '../../src/map/index.js';
import { walkToTerminal } from '../../src/map/walk.js';
import { CountingSource, MemoryNodeSource, keysSharingPrefix, seededRandom } from './support.js';

function runWalk(source: MapNodeSource, paths: Buffer[]): { walk: BatchWalk; asked: string[] } {
  const walk = new BatchWalk(paths);
  const asked: string[] = [];
  while (!walk.done) {
    const positions = walk.positions();
    asked.push(...positions.map((p) => p.toString('hex')));
    walk.supply(positions.map((p) => source.get(p)));
  }
  return { walk, asked };
}

describe('BatchWalk', () => {
  const random = seededRandom(7);
  const source = new MemoryNodeSource();
  const stored: Buffer[] = [];
  // Random keys plus a pair sharing 16 bits, so some walks go deep.
  for (let batch = 0; batch < 4; batch++) {
    const keys = Array.from({ length: 50 }, () => random.bytes(20));
    if (batch === 2) keys.push(...keysSharingPrefix(16, 2, 'walk'));
    const inserts: MapInsert[] = keys.map((key, i) => ({
      key,
      logIndex: stored.length + i,
      valueDigest: Buffer.alloc(32, (stored.length + i) % 251),
    }));
    source.apply(mapInsertBatch(source, inserts).writes);
    stored.push(...keys);
  }

  it('finds the terminal walkToTerminal finds, for present, absent and repeated keys', () => {
    const absent = Array.from({ length: 40 }, () => random.bytes(20));
    const keys = [...stored.slice(0, 60), ...absent, stored[3]!, absent[0]!];
    const paths = keys.map((k) => mapPath(k));
    const terminals = runWalk(source, paths).walk.terminals();
    paths.forEach((path, i) => {
      const expected = walkToTerminal(source, path).leaf;
      const got = terminals[i]!;
      if (expected === null) expect(got).toBeNull();
      else
        expect(got !== null && got.path.equals(expected.path) && got.logIndex === expected.logIndex).toBe(
          true,
        );
    });
    expect(terminals.filter((t, i) => t !== null && t.path.equals(paths[i]!)).length).toBe(61);
  });

  it('asks for each position once, and exactly for the positions the single walks read', () => {
    const paths = [...stored.slice(0, 30), ...Array.from({ length: 30 }, () => random.bytes(20))].map((k) =>
      mapPath(k),
    );
    const { asked } = runWalk(source, paths);
    expect(new Set(asked).size).toBe(asked.length);
    const counting = new CountingSource(source);
    for (const path of paths) walkToTerminal(counting, path);
    expect([...new Set(asked)].sort()).toEqual([...new Set(counting.reads)].sort());
  });

  it('starts below a depth every path passes through internal nodes, asking for nothing above it', () => {
    const startDepth = 3;
    const paths = stored.slice(0, 80).map((k) => mapPath(k));
    // The precondition: each path's position at startDepth - 1 holds an internal node (prefix 0x03).
    for (const path of paths) expect(source.get(positionKey(startDepth - 1, path))?.[0]).toBe(0x03);
    const walk = new BatchWalk(paths, startDepth);
    const asked: Buffer[] = [];
    while (!walk.done) {
      const positions = walk.positions();
      asked.push(...positions);
      walk.supply(positions.map((p) => source.get(p)));
    }
    expect(asked.every((p) => p.readUInt16BE(0) >= startDepth)).toBe(true);
    expect(new Set(asked.map((p) => p.toString('hex'))).size).toBe(asked.length);
    walk.terminals().forEach((leaf, i) => {
      expect(leaf?.path.equals(paths[i]!)).toBe(true);
      expect(leaf?.logIndex).toBe(walkToTerminal(source, paths[i]!).leaf?.logIndex);
    });
  });

  it('walks an empty map to empty terminals at the root, and an empty batch to nothing', () => {
    const empty = new MemoryNodeSource();
    const { walk, asked } = runWalk(empty, [mapPath(Buffer.from('a')), mapPath(Buffer.from('b'))]);
    expect(asked.length).toBe(1);
    expect(walk.terminals()).toEqual([null, null]);
    expect(runWalk(empty, []).asked).toEqual([]);
  });

  it('rejects a wrong number of records', () => {
    const walk = new BatchWalk([mapPath(Buffer.from('a'))]);
    expect(() => walk.supply([])).toThrow(/needs 1 records, got 0/);
  });
});
