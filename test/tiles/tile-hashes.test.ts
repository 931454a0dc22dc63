// Tile hashes and the tile edge, against a naive RFC 9162 reference that shares no tile code.
import { describe, expect, it } from 'vitest';
import { appendLeaves, frontierNodeIds, type Frontier } from '../../src/log/index.js';
import {
  ENTRY_BUNDLE,
  TileEdge,
  TileTree,
  VALUE_BUNDLE,
  encodeBundle,
  nodeHashFromTiles,
  parseBundle,
  parseBundlePrefix,
  tileBytesFromLeafHashes,
  tileKey,
  tilesAddedBetween,
  tilesOfTree,
  type TileBytes,
} from '../../src/tiles/index.js';
import { makeLeafHashes, naiveMth } from '../log/reference.js';

const LEAVES = makeLeafHashes(66_000);
const mth = naiveMth(LEAVES);

// Tile (l, n) read straight from the spec: hash i is MTH(D[(n*256 + i) * 256^l : (n*256 + i + 1) * 256^l]).
function naiveTileBytes(level: number, index: number, width: number): Buffer {
  const span = 256 ** level;
  return Buffer.concat(
    Array.from({ length: width }, (_, i) => mth((index * 256 + i) * span, (index * 256 + i + 1) * span)),
  );
}

describe('tile hashes', () => {
  it('equal the naive tiles at every size 1..600 and around 65,536', () => {
    const sizes = [...Array.from({ length: 600 }, (_, i) => i + 1), 65_535, 65_536, 65_537];
    for (const size of sizes) {
      const computed = tileBytesFromLeafHashes(LEAVES.slice(0, size));
      const tiles = tilesOfTree(size);
      expect(computed.size).toBe(tiles.length);
      for (const t of tiles) {
        expect(
          computed.get(tileKey(t))?.equals(naiveTileBytes(t.level, t.index, t.width)),
          `size ${size} ${tileKey(t)}`,
        ).toBe(true);
      }
    }
  });

  it('give a 256-entry tree one full level-0 tile and a level-1 tile holding its root', () => {
    const tiles = tileBytesFromLeafHashes(LEAVES.slice(0, 256));
    expect([...tiles.keys()]).toEqual(['0/0/256', '1/0/1']);
    expect(tiles.get('0/0/256')).toEqual(Buffer.concat(LEAVES.slice(0, 256)));
    expect(tiles.get('1/0/1')).toEqual(mth(0, 256));
  });

  it('answer every complete node of the tree, and so every frontier', () => {
    for (const size of [1, 2, 3, 255, 256, 257, 511, 512, 600, 65_535, 65_536, 65_537]) {
      const tiles = tileBytesFromLeafHashes(LEAVES.slice(0, size));
      const read = (level: number, index: number, width: number) =>
        new TileTree(tiles.get(tileKey({ level, index, width }))!);
      for (let level = 0; 2 ** level <= size; level++) {
        const step = Math.max(1, Math.floor(size / 2 ** level / 40));
        for (let index = 0; (index + 1) * 2 ** level <= size; index += step) {
          const expected = mth(index * 2 ** level, (index + 1) * 2 ** level);
          expect(
            nodeHashFromTiles({ level, index }, size, read).equals(expected),
            `size ${size} (${level}, ${index})`,
          ).toBe(true);
        }
      }
      expect(() => nodeHashFromTiles({ level: 0, index: size }, size, read)).toThrow(/not complete/);
    }
  });
});

describe('tile edge', () => {
  it('grows by appends into the naive tiles, and a full tile never changes again', () => {
    let edge = TileEdge.of(0, []);
    let frontier: Frontier = { size: 0, hashes: [] };
    const stored = new Map<string, Buffer>(); // by level/index: the latest bytes written
    const fullSeen = new Map<string, Buffer>();
    // Batch sizes chosen to cross tile boundaries mid-batch, land on them, and fill several at once.
    const batches = [1, 2, 252, 1, 1, 255, 256, 300, 512, 7, 65_536 - 1583, 1, 1, 200];
    for (const count of batches) {
      const start = frontier.size;
      const appended = appendLeaves(frontier, LEAVES.slice(start, start + count));
      const { edge: next, changed } = edge.extend(appended.newNodes);
      frontier = appended.frontier;
      edge = next;
      const size = frontier.size;
      const expected = new Map(tilesOfTree(size).map((t) => [`${t.level}/${t.index}`, t.width]));
      for (const { tile, bytes } of changed) {
        const where = `${tile.level}/${tile.index}`;
        expect(expected.get(where), `size ${size} changed ${where}`).toBe(tile.width);
        expect(fullSeen.has(where), `full tile ${where} rewritten at size ${size}`).toBe(false);
        const before = stored.get(where);
        if (before) expect(bytes.subarray(0, before.length).equals(before)).toBe(true);
        stored.set(where, bytes);
        if (tile.width === 256) fullSeen.set(where, Buffer.from(bytes));
      }
      for (const t of tilesOfTree(size)) {
        expect(
          stored.get(`${t.level}/${t.index}`)?.equals(naiveTileBytes(t.level, t.index, t.width)),
          `size ${size}`,
        ).toBe(true);
      }
      for (const [where, bytes] of fullSeen) expect(stored.get(where)!.equals(bytes)).toBe(true);
      // The edge holds the frontier: every frontier node can be read from the edge tiles alone.
      const edgeTiles = (level: number) => new TileTree(edge.at(level)!.bytes);
      frontierNodeIds(size).forEach((node, i) => {
        expect(nodeHashFromTiles(node, size, edgeTiles).equals(frontier.hashes[i]!)).toBe(true);
      });
    }
  });

  it('resumes from stored edge tiles as if it had never stopped', () => {
    const [stop, size] = [65_500, 66_000];
    const tiles = tileBytesFromLeafHashes(LEAVES.slice(0, stop));
    const rightmost: TileBytes[] = [];
    for (const t of tilesOfTree(stop)) rightmost[t.level] = { tile: t, bytes: tiles.get(tileKey(t))! };
    const frontier = appendLeaves({ size: 0, hashes: [] }, LEAVES.slice(0, stop)).frontier;
    const appended = appendLeaves(frontier, LEAVES.slice(stop, size));
    const { changed } = TileEdge.of(stop, rightmost).extend(appended.newNodes);
    const after = tileBytesFromLeafHashes(LEAVES.slice(0, size));
    expect(changed.map((c) => tileKey(c.tile))).toEqual([
      '0/255/256',
      '0/256/256',
      '0/257/208',
      '1/0/256',
      '1/1/1',
      '2/0/1',
    ]);
    expect(changed.map((c) => c.tile)).toEqual(tilesAddedBetween(stop, size));
    for (const c of changed) expect(c.bytes.equals(after.get(tileKey(c.tile))!)).toBe(true);
  });

  it('refuses nodes that do not extend it', () => {
    const edge = TileEdge.of(0, []);
    expect(() => edge.extend([{ level: 0, index: 1, hash: LEAVES[1]! }])).toThrow(/does not extend/);
  });
});

describe('bundles', () => {
  const entries = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(300, 7), Buffer.from('last')];

  it('are length-prefixed big-endian, 2 bytes for entries and 4 for values', () => {
    expect(encodeBundle(ENTRY_BUNDLE, [Buffer.from('ab'), Buffer.alloc(0)]).toString('hex')).toBe(
      '000261620000',
    );
    expect(encodeBundle(VALUE_BUNDLE, [Buffer.from('ab')]).toString('hex')).toBe('000000026162');
    expect(
      encodeBundle(VALUE_BUNDLE, [Buffer.alloc(65_536)])
        .subarray(0, 4)
        .toString('hex'),
    ).toBe('00010000');
    expect(() => encodeBundle(ENTRY_BUNDLE, [Buffer.alloc(65_536)])).toThrow(/longer than a bundle holds/);
  });

  it('parse back to their items', () => {
    for (const format of [ENTRY_BUNDLE, VALUE_BUNDLE]) {
      const parsed = parseBundle(format, encodeBundle(format, entries), entries.length, 'bundle');
      expect(parsed.map((b) => Buffer.from(b))).toEqual(entries);
    }
  });

  it('with trailing, missing or truncated bytes are rejected, naming the resource', () => {
    const bytes = encodeBundle(ENTRY_BUNDLE, entries);
    const what = 'tile/entries/000.p/4';
    expect(() => parseBundle(ENTRY_BUNDLE, Buffer.concat([bytes, Buffer.of(0)]), 4, what)).toThrow(
      /tile\/entries\/000.p\/4: 1 trailing bytes/,
    );
    expect(() => parseBundle(ENTRY_BUNDLE, bytes, 5, what)).toThrow(/holds 4 entries, expected 5/);
    expect(() => parseBundle(ENTRY_BUNDLE, bytes.subarray(0, bytes.length - 1), 4, what)).toThrow(
      /entry 3 is 4 bytes but only 3 remain/,
    );
    expect(() => parseBundle(ENTRY_BUNDLE, bytes.subarray(0, 1), 1, what)).toThrow(/truncated length prefix/);
    expect(() => parseBundle(ENTRY_BUNDLE, bytes, 3, what)).toThrow(/trailing bytes/);
  });

  it('read a prefix of a longer bundle', () => {
    const bytes = encodeBundle(ENTRY_BUNDLE, entries);
    const prefix = parseBundlePrefix(ENTRY_BUNDLE, bytes, 2, 'b');
    expect(prefix.length).toBe(2);
    expect(prefix.end).toBe(2 + 1 + 2 + 0);
  });
});
