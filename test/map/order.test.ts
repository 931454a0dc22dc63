// The map is a function of its set of entries: any insertion order or batching gives the same
// root and the same stored records.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mapInsertBatch, mapRoot, type MapInsert } from '../../src/map/index.js';
import { MemoryNodeSource, referencePath, referenceRoot } from './support.js';

function insertInBatches(inserts: MapInsert[], cuts: number[]): MemoryNodeSource {
  const source = new MemoryNodeSource();
  let start = 0;
  for (const end of [...cuts, inserts.length]) {
    const { root, writes } = mapInsertBatch(source, inserts.slice(start, end));
    source.apply(writes);
    expect(mapRoot(source)).toEqual(root);
    start = end;
  }
  return source;
}

const entries = fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 40 }), {
  minLength: 0,
  maxLength: 120,
  selector: (key) => Buffer.from(key).toString('hex'),
});

describe('map order independence', () => {
  it('gives the same root and records for any order and batching', () => {
    fc.assert(
      fc.property(
        entries,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (keys, shuffle, rawCuts) => {
          const inserts: MapInsert[] = keys.map((key, i) => ({
            key: Buffer.from(key),
            logIndex: i,
            valueDigest: Buffer.alloc(32, i % 256),
          }));
          const shuffled = [...inserts];
          if (shuffled.length > 0) {
            shuffle.forEach((n, i) => {
              const a = i % shuffled.length;
              const b = n % shuffled.length;
              [shuffled[a], shuffled[b]] = [shuffled[b]!, shuffled[a]!];
            });
          }
          const cuts = [...new Set(rawCuts.map((c) => c % (inserts.length + 1)))].sort((x, y) => x - y);

          const oneBatch = insertInBatches(inserts, []);
          const oneByOne = insertInBatches(
            [...shuffled].reverse(),
            shuffled.map((_, i) => i + 1).slice(0, -1),
          );
          const batched = insertInBatches(shuffled, cuts);

          const expected = referenceRoot(
            inserts.map((x) => ({
              path: referencePath(x.key),
              logIndex: x.logIndex,
              valueDigest: x.valueDigest,
            })),
          );
          expect(mapRoot(oneBatch)).toEqual(expected);
          expect(mapRoot(oneByOne)).toEqual(expected);
          expect(mapRoot(batched)).toEqual(expected);
          // Storage holds no stale records: the same set leaves the same positions filled.
          expect(oneByOne.records).toEqual(oneBatch.records);
          expect(batched.records).toEqual(oneBatch.records);
        },
      ),
      { numRuns: 150 },
    );
  });
});
