// Tile coordinates and paths, checked against the examples of C2SP tlog-tiles and against a
// naive enumeration.
import { describe, expect, it } from 'vitest';
import {
  encodeTileIndex,
  entryBundlePath,
  logResourcePath,
  parseLogResourcePath,
  sizesRequiringPartial,
  tilePath,
  tilesAddedBetween,
  tilesOfTree,
  tileWidthAt,
  valueBundlePath,
  type TileId,
} from '../../src/tiles/index.js';

const describeTiles = (tiles: TileId[]) => {
  const byLevel = new Map<number, { full: number; partial: number[] }>();
  for (const t of tiles) {
    const level = byLevel.get(t.level) ?? { full: 0, partial: [] };
    if (t.width === 256) level.full++;
    else level.partial.push(t.width);
    byLevel.set(t.level, level);
  }
  return Object.fromEntries(byLevel);
};

// The tiles of a tree, from the spec's definition read literally: tile (l, n) holds the hashes
// i = 0..255 of MTH(D[(n*256 + i) * 256^l : ...]) that are complete in the tree.
function naiveTiles(size: number): TileId[] {
  const tiles: TileId[] = [];
  for (let level = 0; 256 ** level <= size; level++) {
    for (let index = 0; index * 256 ** (level + 1) < size; index++) {
      let width = 0;
      while (width < 256 && (index * 256 + width + 1) * 256 ** level <= size) width++;
      if (width > 0) tiles.push({ level, index, width });
    }
  }
  return tiles;
}

describe('tiles of a tree', () => {
  it("matches the spec's example: 70,000 entries", () => {
    expect(describeTiles(tilesOfTree(70_000))).toEqual({
      0: { full: 273, partial: [112] },
      1: { full: 1, partial: [17] },
      2: { full: 0, partial: [1] },
    });
  });

  it("matches the spec's example: 256 entries are one full level-0 tile and a level-1 tile of width 1", () => {
    expect(tilesOfTree(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
  });

  it('has no tiles when empty', () => {
    expect(tilesOfTree(0)).toEqual([]);
  });

  it('equals a naive enumeration at every size 1..600 and around 65,536', () => {
    const sizes = [...Array.from({ length: 600 }, (_, i) => i + 1), 65_535, 65_536, 65_537, 65_792, 131_071];
    for (const size of sizes) {
      const naive = naiveTiles(size);
      expect(tilesOfTree(size), `size ${size}`).toEqual(naive);
      for (const t of naive) expect(tileWidthAt(t.level, t.index, size)).toBe(t.width);
      expect(tileWidthAt(0, Math.ceil(size / 256), size)).toBe(0);
    }
  });

  it('lists the tiles added between two sizes: new or wider, never ones already full', () => {
    for (const [from, to] of [
      [0, 1],
      [1, 300],
      [255, 256],
      [256, 257],
      [70_000, 70_000],
      [65_535, 65_537],
    ] as const) {
      const before = new Set(tilesOfTree(from).map((t) => `${t.level}/${t.index}/${t.width}`));
      const expected = tilesOfTree(to).filter((t) => !before.has(`${t.level}/${t.index}/${t.width}`));
      expect(tilesAddedBetween(from, to), `${from} -> ${to}`).toEqual(expected);
    }
  });

  it('knows which sizes require a partial tile', () => {
    expect(sizesRequiringPartial({ level: 0, index: 273, width: 112 })).toEqual({
      first: 70_000,
      end: 70_001,
    });
    expect(sizesRequiringPartial({ level: 1, index: 1, width: 17 })).toEqual({ first: 69_888, end: 70_144 });
    for (let size = 65_000; size < 70_100; size += 7) {
      for (const t of tilesOfTree(size).filter((t) => t.width < 256)) {
        const { first, end } = sizesRequiringPartial(t);
        expect(size >= first && size < end).toBe(true);
      }
    }
  });
});

describe('tile paths', () => {
  it("encodes N as the spec's example does", () => {
    expect(encodeTileIndex(1_234_067)).toBe('x001/x234/067');
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(tilePath({ level: 0, index: 1_234_067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 0, width: 1 })).toBe('tile/2/000.p/1');
    expect(tilePath({ level: 0, index: 273, width: 112 })).toBe('tile/0/273.p/112');
    expect(entryBundlePath(273, 112)).toBe('tile/entries/273.p/112');
    expect(entryBundlePath(1_234_067, 256)).toBe('tile/entries/x001/x234/067');
    expect(valueBundlePath(5, 3)).toBe('tally/values/005.p/3');
  });

  it('parses every path it prints, back to the same resource', () => {
    const tiles: TileId[] = [
      { level: 0, index: 0, width: 256 },
      { level: 0, index: 1_234_067, width: 112 },
      { level: 63, index: 2 ** 40, width: 1 },
      { level: 1, index: 999_999, width: 255 },
    ];
    for (const tile of tiles) {
      for (const kind of ['tile', 'entries', 'values'] as const) {
        const t = kind === 'tile' ? tile : { ...tile, level: 0 };
        const path = logResourcePath({ kind, tile: t });
        expect(parseLogResourcePath(path), path).toEqual({ kind, tile: t });
      }
    }
    expect(parseLogResourcePath('checkpoint')).toEqual({ kind: 'checkpoint' });
  });

  it('refuses every other spelling, including traversal', () => {
    for (const bad of [
      '',
      '/checkpoint',
      'checkpoint/',
      'tile/0/1',
      'tile/0/01',
      'tile/00/000',
      'tile/64/000',
      'tile/-1/000',
      'tile/0/x000/001',
      'tile/0/001/x002',
      'tile/0/x1/000',
      'tile/0/000.p/0',
      'tile/0/000.p/256',
      'tile/0/000.p/012',
      'tile/0/000.p/',
      'tile/0/000.p',
      'tile/0/000/.p/5',
      'tile/0/000.p/5/6',
      'tile/0/../000',
      'tile/0/./000',
      'tile/0//000',
      'tile/entries/../../etc/passwd',
      'tile/entries/000/',
      'tile/entries/%2e%2e/000',
      'tally/values/abc',
      'tile/entries',
      'tile/1',
      'tile/0/x999/x999/x999/x999/x999/x999/999',
    ]) {
      expect(parseLogResourcePath(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
