import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { FollowerStore } from '../../src/follower/follower-store.js';
import { FollowerTiles } from '../../src/follower/follower-tiles.js';
import { appendLeaves, rootOfFrontier } from '../../src/log/index.js';
import {
  TILE_WIDTH,
  tileBytesFromLeafHashes,
  tileKey,
  tilePath,
  type LogResource,
} from '../../src/tiles/index.js';
import type { LogResourceSource } from '../../src/verify/tile-sources.js';
import { tempDir } from '../helpers/tmp.js';

/** The tiles of a tree of `leafHashes` at any size (a partial tile is a prefix of the wider one), counting fetches. */
function tilesOf(leafHashes: Buffer[]): LogResourceSource & { fetched: string[] } {
  const tiles = tileBytesFromLeafHashes(leafHashes);
  const fetched: string[] = [];
  return {
    fetched,
    get(resource: LogResource) {
      if (resource.kind !== 'tile') return Promise.reject(new Error('tiles only'));
      const { level, index, width } = resource.tile;
      fetched.push(tilePath(resource.tile));
      const wider =
        tiles.get(tileKey({ level, index, width: TILE_WIDTH })) ??
        [...tiles.entries()].find(([k]) => k.startsWith(`${level}/${index}/`))![1];
      return Promise.resolve(wider.subarray(0, width * 32));
    },
  };
}

const leaves = (label: string, count: number) =>
  Array.from({ length: count }, (_, i) => sha256(Buffer.from(`${label} ${i}`)));
const treeOf = (hashes: Buffer[], size: number) => ({
  size,
  root: rootOfFrontier(appendLeaves({ size: 0, hashes: [] }, hashes.slice(0, size)).frontier),
});
const isFull = (p: string) => !p.includes('.p/');

describe('FollowerTiles: verified tiles in the follower LevelDB', () => {
  const honest = leaves('honest', 70_000);

  it('keeps tiles only once committed, and reuses them after a restart', async () => {
    const dir = path.join(tempDir(), 'follower');
    const logId = 'ab'.repeat(32);
    let store = await FollowerStore.open(dir);
    const source = tilesOf(honest);
    const kept = new FollowerTiles(store, logId, source);
    const at40k = kept.verifierOf(treeOf(honest, 40_000));
    await at40k.verifyConsistencyWith(treeOf(honest, 30_001));
    const firstFull = source.fetched.filter(isFull);
    expect(firstFull.length).toBeGreaterThan(0);
    // Verified, but not committed: nothing is kept yet.
    expect(await store.getTile(logId, 0, Math.floor(30_001 / TILE_WIDTH))).toBeUndefined();
    await at40k.commit();
    const tile = await store.getTile(logId, 0, Math.floor(30_001 / TILE_WIDTH));
    expect(tile?.length).toBe(TILE_WIDTH * 32);
    await store.close();

    store = await FollowerStore.open(dir);
    source.fetched.length = 0;
    const again = new FollowerTiles(store, logId, source).verifierOf(treeOf(honest, 40_000));
    await again.verifyConsistencyWith(treeOf(honest, 30_001));
    // Only the right edge again (kept in memory, not on disk): every full tile came from LevelDB.
    expect(source.fetched.filter(isFull)).toEqual([]);
    expect(source.fetched.length).toBeGreaterThan(0);
    await store.close();
  });

  it("a fork's tiles, never committed, are never kept", async () => {
    const dir = path.join(tempDir(), 'follower');
    const logId = 'cd'.repeat(32);
    const store = await FollowerStore.open(dir);
    try {
      const forked = [...honest.slice(0, 30_000), ...leaves('forked', 10_000)];
      const kept = new FollowerTiles(store, logId, tilesOf(forked));
      const fork = kept.verifierOf(treeOf(forked, 40_000));
      await expect(fork.verifyConsistencyWith(treeOf(honest, 30_001))).rejects.toThrow(/not consistent/);
      for (let index = 0; index < 40_000 / TILE_WIDTH - 1; index++) {
        expect(await store.getTile(logId, 0, index)).toBeUndefined();
      }
    } finally {
      await store.close();
    }
  });
});
