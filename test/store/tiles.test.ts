// The store keeps the tree as tlog-tiles and the leaves as entry bundles. What it stores and
// serves must equal the tiles computed from the leaf hashes alone, full tiles must never be
// rewritten, and a damaged tile must be refused at open.
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it } from 'vitest';
import { generateSecretKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { encodeLeaf, hashLeaf } from '../../src/log/index.js';
import { LogStore } from '../../src/store/log-store.js';
import {
  ENTRY_BUNDLE,
  encodeBundle,
  sizesRequiringPartial,
  tileBytesFromLeafHashes,
  tileKey,
  tilesOfTree,
} from '../../src/tiles/index.js';
import { naiveMth } from '../log/reference.js';
import { tempDir } from '../helpers/tmp.js';

const origin = 'tally.test/tiles';
const key = generateSecretKey('tiles-test');
const keyOf = (n: number) => sha256(Buffer.from(`key ${n}`)).subarray(0, 20);
const valueOf = (n: number) => Buffer.from(`value ${n}`);
const leafOf = (n: number) => encodeLeaf(keyOf(n), sha256(valueOf(n)));
const DB_OPTIONS = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;

async function append(store: LogStore, count: number) {
  const first = store.size;
  await store.integrate(
    Array.from({ length: count }, (_, i) => ({ key: keyOf(first + i), value: valueOf(first + i) })),
  );
}

function expectTilesOf(store: LogStore) {
  const size = store.size;
  const leaves = Array.from({ length: size }, (_, i) => leafOf(i));
  const expected = tileBytesFromLeafHashes(leaves.map(hashLeaf));
  for (const tile of tilesOfTree(size)) {
    expect(
      store.getTile(tile)?.equals(expected.get(tileKey(tile))!),
      `size ${size} tile ${tileKey(tile)}`,
    ).toBe(true);
    // A narrower prefix of every tile is there too (for older checkpoints); a wider one is not.
    if (tile.width > 1) expect(store.getTile({ ...tile, width: 1 })?.length).toBe(32);
    if (tile.width < 256) expect(store.getTile({ ...tile, width: tile.width + 1 })).toBeUndefined();
    // Bundles: the last few at every head (the ones that change), and every one at small sizes.
    if (tile.level === 0 && (size < 1000 || tile.index * 256 >= size - 600)) {
      const bundle = store.getEntryBundle(tile.index, tile.width);
      const entries = leaves.slice(tile.index * 256, tile.index * 256 + tile.width);
      expect(bundle?.equals(encodeBundle(ENTRY_BUNDLE, entries)), `size ${size} bundle ${tile.index}`).toBe(
        true,
      );
      expect(store.getBundleValues(tile.index, tile.width)).toEqual(
        entries.map((_, i) => valueOf(tile.index * 256 + i)),
      );
    }
  }
  expect(store.getTile({ level: 0, index: Math.ceil(size / 256) + 1, width: 256 })).toBeUndefined();
  expect(store.getEntryBundle(Math.floor(size / 256), (size % 256) + 1)).toBeUndefined();
}

describe('store tiles', () => {
  it('equal the tiles computed from the leaves at every head, and full tiles are never rewritten', async () => {
    const dir = path.join(tempDir(), 'log');
    let store = await LogStore.open(dir, { key, origin });
    const fullTiles = new Map<string, Buffer>();
    for (const count of [1, 254, 1, 1, 300, 65_000, 255, 1, 1]) {
      await append(store, count);
      expectTilesOf(store);
      for (const [where, bytes] of fullTiles) {
        const [level, index] = where.split('/').map(Number) as [number, number];
        expect(store.getTile({ level, index, width: 256 })!.equals(bytes), `full tile ${where} changed`).toBe(
          true,
        );
      }
      for (const t of tilesOfTree(store.size).filter((t) => t.width === 256)) {
        fullTiles.set(`${t.level}/${t.index}`, Buffer.from(store.getTile(t)!));
      }
      if (count === 300) {
        await store.close();
        store = await LogStore.open(dir, { key, origin });
        expectTilesOf(store);
      }
    }
    const size = store.size;
    const leafHashes = Array.from({ length: size }, (_, i) => hashLeaf(leafOf(i)));
    expect(store.rootAt(size).equals(naiveMth(leafHashes)(0, size))).toBe(true);
    const entries = await store.getEntries(250, 600);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: 350 }, (_, i) => 250 + i));
    expect(entries.map((e) => e.key)).toEqual(entries.map((e) => keyOf(e.index)));
    await store.close();
  }, 120_000);

  it('knows which sizes it signed checkpoints at, for partial tiles', async () => {
    const store = await LogStore.open(path.join(tempDir(), 'log'), { key, origin });
    await append(store, 3);
    await append(store, 300);
    const signed = async (level: number, index: number, width: number) => {
      const { first, end } = sizesRequiringPartial({ level, index, width });
      return store.signedSizeWithin(first, end);
    };
    expect(await signed(0, 0, 3)).toBe(true);
    expect(await signed(0, 0, 2)).toBe(false);
    expect(await signed(0, 1, 47)).toBe(true);
    expect(await signed(1, 0, 1)).toBe(true);
    await store.close();
  });

  it('refuses to open when a stored tile was altered', async () => {
    const dir = path.join(tempDir(), 'log');
    const store = await LogStore.open(dir, { key, origin });
    await append(store, 600);
    await store.close();
    const db = new ClassicLevel<Buffer, Buffer>(dir, DB_OPTIONS);
    await db.open();
    const tileKey = Buffer.from([0x54, 0, 0, 0, 0, 0, 0, 0, 0, 2]); // tile 0/2, the rightmost
    const altered = Buffer.from(db.getSync(tileKey)!);
    altered[0]! ^= 1;
    await db.put(tileKey, altered);
    await db.close();
    await expect(LogStore.open(dir, { key, origin })).rejects.toThrow(
      /stored tree does not match the signed head/,
    );
  });

  it('refuses a store in the layout from before tiles, saying so', async () => {
    const dir = path.join(tempDir(), 'log');
    const db = new ClassicLevel<Buffer, Buffer>(dir, DB_OPTIONS);
    await db.open();
    await db.put(Buffer.from([0x4c, 0, 0, 0, 0, 0, 0, 0, 0]), leafOf(0));
    await db.close();
    await expect(LogStore.open(dir, { key, origin })).rejects.toThrow(/layout from before tiles/);
  });
});
