// Random operations against a plain Map as the reference: inserts in batches of varied size,
// gets and proofs for present and absent keys, and the root against an independent recursion.
import { describe, expect, it } from 'vitest';
import {
  buildMapProof,
  decodeMapProof,
  encodeMapProof,
  mapGet,
  mapInsertBatch,
  mapRoot,
  verifyMapProof,
  type MapInsert,
  type MapLeaf,
  type MapValue,
} from '../../src/map/index.js';
import { CountingSource, MemoryNodeSource, referencePath, referenceRoot, seededRandom } from './support.js';

describe('map against a reference Map', () => {
  it('agrees on gets, proofs and roots over 10,000+ random operations', () => {
    const random = seededRandom(20240611);
    const source = new MemoryNodeSource();
    const reference = new Map<string, MapValue>();
    const leaves: MapLeaf[] = [];
    const presentKeys: Buffer[] = [];
    let operations = 0;
    let nextLogIndex = 0;
    let deepestProof = 0;

    const randomKey = (): Buffer => random.bytes(1 + random.int(random.int(4) === 0 ? 255 : 24));

    // Plain comparisons: toEqual on Buffers costs about a millisecond each.
    const sameValue = (a: MapValue | null | undefined, b: MapValue | undefined): boolean =>
      a === undefined || a === null
        ? b === undefined
        : b !== undefined && a.logIndex === b.logIndex && a.valueDigest.equals(b.valueDigest);

    const checkKey = (key: Buffer, root: Buffer): void => {
      const expected = reference.get(key.toString('hex'));
      expect(sameValue(mapGet(source, key), expected)).toBe(true);
      const proof = buildMapProof(source, key);
      deepestProof = Math.max(deepestProof, proof.depth);
      expect(sameValue(verifyMapProof(root, key, proof), expected)).toBe(true);
      expect(sameValue(verifyMapProof(root, key, decodeMapProof(encodeMapProof(proof))), expected)).toBe(
        true,
      );
      operations += 2;
    };

    // Batch sizes vary from 1 to 500, with small ones frequent so the tree is checked while tiny.
    while (operations < 12_000) {
      const size = 1 + (random.int(3) === 0 ? random.int(500) : random.int(20));
      const batch: MapInsert[] = [];
      const inBatch = new Set<string>();
      while (batch.length < size) {
        const key = randomKey();
        const id = key.toString('hex');
        if (reference.has(id) || inBatch.has(id)) continue;
        inBatch.add(id);
        batch.push({ key, logIndex: nextLogIndex++, valueDigest: random.bytes(32) });
      }

      const counting = new CountingSource(source);
      const { root, writes } = mapInsertBatch(counting, batch);
      // Each position is read at most once and written at most once per batch.
      expect(new Set(counting.reads).size).toBe(counting.reads.length);
      expect(new Set(writes.map(([key]) => key.toString('hex'))).size).toBe(writes.length);
      source.apply(writes);
      operations += batch.length;

      for (const insert of batch) {
        reference.set(insert.key.toString('hex'), {
          logIndex: insert.logIndex,
          valueDigest: insert.valueDigest,
        });
        leaves.push({
          path: referencePath(insert.key),
          logIndex: insert.logIndex,
          valueDigest: insert.valueDigest,
        });
        presentKeys.push(insert.key);
      }
      expect(mapRoot(source).equals(root)).toBe(true);
      expect(root.equals(referenceRoot(leaves))).toBe(true);

      for (let i = 0; i < 40; i++) checkKey(presentKeys[random.int(presentKeys.length)]!, root);
      for (let i = 0; i < 40; i++) checkKey(randomKey(), root);
    }

    expect(reference.size).toBeGreaterThan(3_000);
    // Collapsing keeps proofs near log2(n) levels rather than 256.
    expect(deepestProof).toBeLessThan(2 * Math.log2(reference.size) + 8);
  });
});
