// The store keeps the top of the map and the upper log levels in memory, and rebuilds the map's top
// at open instead of storing it. Its answers must equal those of the uncached pure cores over a
// plain in-memory node table, before and after reopening, and a damaged map must be refused.
import fs from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it } from 'vitest';
import { generateSecretKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { encodeLeaf, hashLeaf } from '../../src/log/index.js';
import { buildMapProof, mapInsertBatch, mapRoot } from '../../src/map/index.js';
import { LogStore } from '../../src/store/log-store.js';
import { mapTopSnapshotFile } from '../../src/store/map-top-snapshot.js';
import { naiveMth, naivePath, naiveProof } from '../log/reference.js';
import { MemoryNodeSource, keysSharingPrefix, sameProof } from '../map/support.js';
import { tempDir } from '../helpers/tmp.js';

const origin = 'tally.test/caches';
const key = generateSecretKey('caches-test');
const valueOf = (k: Buffer) => Buffer.concat([Buffer.from('value of '), k]);

// Batches shaped to reach every storage case: a lone first key (a leaf at the root, later pushed
// down), random keys, and pairs sharing 24 path bits, whose records lie below the cached depths.
const batches: Buffer[][] = [
  [Buffer.from('first')],
  Array.from({ length: 40 }, (_, i) => Buffer.from(`random ${i}`)),
  [...keysSharingPrefix(24, 2, 'deep-a'), Buffer.from('with the deep pair')],
  [...keysSharingPrefix(24, 2, 'deep-b'), ...Array.from({ length: 25 }, (_, i) => Buffer.from(`more ${i}`))],
  [Buffer.from('last')],
];
const allKeys = batches.flat();
const absentKeys = Array.from({ length: 20 }, (_, i) => Buffer.from(`absent ${i}`));

async function filledStore() {
  const dir = path.join(tempDir(), 'log');
  const store = await LogStore.open(dir, { key, origin });
  const reference = new MemoryNodeSource();
  const sizes: number[] = [];
  for (const batch of batches) {
    const first = store.size;
    const { head } = await store.integrate(batch.map((k) => ({ key: k, value: valueOf(k) })));
    reference.apply(
      mapInsertBatch(
        reference,
        batch.map((k, i) => ({ key: k, logIndex: first + i, valueDigest: sha256(valueOf(k)) })),
      ).writes,
    );
    expect(head.checkpoint.mapRoot.equals(mapRoot(reference))).toBe(true);
    sizes.push(head.checkpoint.size);
  }
  return { dir, store, reference, sizes };
}

async function expectSameMap(store: LogStore, reference: MemoryNodeSource) {
  for (const k of [...allKeys, ...absentKeys]) {
    const answer = await store.lookup(k);
    expect(sameProof(answer.mapProof, buildMapProof(reference, k))).toBe(true);
  }
}

function expectSameLog(store: LogStore, sizes: number[]) {
  const leafHashes = allKeys.map((k) => hashLeaf(encodeLeaf(k, sha256(valueOf(k)))));
  const mth = naiveMth(leafHashes);
  const hex = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));
  for (const size of sizes) {
    expect(store.rootAt(size).equals(mth(0, size))).toBe(true);
    for (let index = 0; index < size; index++) {
      const { leafHash, proof } = store.inclusionProof(index, size);
      expect(leafHash.equals(leafHashes[index]!)).toBe(true);
      expect(hex(proof)).toEqual(hex(naivePath(mth, index, 0, size)));
    }
    for (const old of sizes.filter((s) => s <= size)) {
      expect(hex(store.consistencyProof(old, size))).toEqual(hex(naiveProof(mth, old, size)));
    }
  }
}

const openDb = async (dir: string) => {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  return db;
};

/** Flips a bit of a map record one level below the cached depths (the rebuild at open hashes these). */
async function alterBoundaryRecord(dir: string): Promise<{ key: Buffer; record: Buffer }> {
  const db = await openDb(dir);
  const [boundary] = await db.keys({ gte: Buffer.from([0x4d, 0, 19]), lt: Buffer.from([0x4d, 0, 20]) }).all();
  expect(boundary).toBeDefined();
  const record = db.getSync(boundary!)!;
  const altered = Buffer.from(record);
  altered[altered.length - 1]! ^= 1;
  await db.put(boundary!, altered);
  await db.close();
  return { key: boundary!, record };
}

async function restoreRecord(dir: string, { key, record }: { key: Buffer; record: Buffer }) {
  const db = await openDb(dir);
  await db.put(key, record);
  await db.close();
}

describe('store caches', () => {
  it('answer like the uncached cores, before and after reopen', async () => {
    const { dir, store, reference, sizes } = await filledStore();
    await expectSameMap(store, reference);
    expectSameLog(store, sizes);
    await store.close();

    const reopened = await LogStore.open(dir, { key, origin });
    expect(reopened.getHead().checkpoint.mapRoot.equals(mapRoot(reference))).toBe(true);
    await expectSameMap(reopened, reference);
    expectSameLog(reopened, sizes);
    // Appending after a reopen extends the rebuilt caches correctly.
    const extra = [Buffer.from('after reopen'), ...keysSharingPrefix(24, 2, 'deep-c')];
    const first = reopened.size;
    const { head } = await reopened.integrate(extra.map((k) => ({ key: k, value: valueOf(k) })));
    reference.apply(
      mapInsertBatch(
        reference,
        extra.map((k, i) => ({ key: k, logIndex: first + i, valueDigest: sha256(valueOf(k)) })),
      ).writes,
    );
    expect(head.checkpoint.mapRoot.equals(mapRoot(reference))).toBe(true);
    await reopened.close();
  }, 60_000);

  it('checks first-write-wins for keys whose map leaves lie below the cached depths', async () => {
    const dir = path.join(tempDir(), 'log');
    const store = await LogStore.open(dir, { key, origin });
    // Three keys sharing 22 path bits: once two are in, the third's walk continues below the cache.
    const [a, b, c] = keysSharingPrefix(22, 3, 'deep-t') as [Buffer, Buffer, Buffer];
    await store.integrate([a, b].map((k) => ({ key: k, value: valueOf(k) })));
    const { results } = await store.integrate([
      { key: c, value: valueOf(c) },
      { key: a, value: valueOf(a) },
      { key: b, value: Buffer.from('another value') },
      { key: c, value: valueOf(c) },
    ]);
    expect(results.map((r) => [r.status, r.index])).toEqual([
      ['appended', 2],
      ['already_present', 0],
      ['conflict', 1],
      ['already_present', 2],
    ]);
    const answer = await store.lookup(c);
    expect(answer.entry?.index).toBe(2);
    expect(answer.mapProof.depth).toBeGreaterThan(22);
    await store.close();
  });

  it('refuses to open when a stored map record was altered', async () => {
    const { dir, store } = await filledStore();
    await store.close();
    await alterBoundaryRecord(dir);
    // As after a crash: no snapshot of the map's top, so open rebuilds it and checks the rebuild.
    fs.rmSync(mapTopSnapshotFile(dir));
    await expect(LogStore.open(dir, { key, origin })).rejects.toThrow(
      /stored map does not match the signed head/,
    );
  }, 60_000);

  it('reopens from the snapshot of a clean close, and ignores a stale or damaged one', async () => {
    const { dir, store, reference, sizes } = await filledStore();
    await store.close();
    const file = mapTopSnapshotFile(dir);
    const snapshot = fs.readFileSync(file);
    // The header names the size it was taken at (after the 17-byte magic and the depth byte).
    expect(snapshot.subarray(0, 17).toString()).toBe('tally map top v1\n');
    expect(Number(snapshot.readBigUInt64BE(18))).toBe(sizes.at(-1));

    // Used: with a depth-19 record altered after the clean close, open still succeeds (the rebuild
    // would refuse it, as the test above shows). The record is then put back.
    const boundary = await alterBoundaryRecord(dir);
    await (await LogStore.open(dir, { key, origin })).close();
    await restoreRecord(dir, boundary);
    const reopened = await LogStore.open(dir, { key, origin });
    await expectSameMap(reopened, reference);
    const extra = [Buffer.from('after the snapshot')];
    const first = reopened.size;
    await reopened.integrate(extra.map((k) => ({ key: k, value: valueOf(k) })));
    reference.apply(
      mapInsertBatch(
        reference,
        extra.map((k, i) => ({ key: k, logIndex: first + i, valueDigest: sha256(valueOf(k)) })),
      ).writes,
    );
    await reopened.close();

    // Stale (an older size, as after a crash since that close): rebuilt, the answers unchanged.
    fs.writeFileSync(file, snapshot);
    const afterStale = await LogStore.open(dir, { key, origin });
    expect(afterStale.getHead().checkpoint.mapRoot.equals(mapRoot(reference))).toBe(true);
    await expectSameMap(afterStale, reference);
    await afterStale.close();

    // Damaged (one body byte flipped, the header intact): rebuilt too.
    const damaged = fs.readFileSync(file);
    damaged[damaged.length - 1]! ^= 1;
    fs.writeFileSync(file, damaged);
    const afterDamage = await LogStore.open(dir, { key, origin });
    await expectSameMap(afterDamage, reference);
    await afterDamage.close();
  }, 60_000);
});
