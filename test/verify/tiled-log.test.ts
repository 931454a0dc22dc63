// The tiled-log verifier against an in-memory tlog-tiles log built from the leaves alone, and
// against every way a server can lie about it. Proofs are checked against the naive RFC 9162
// reference, which shares no tile code.
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { VerificationError } from '../../src/errors.js';
import { EMPTY_ROOT, encodeLeaf, hashLeaf } from '../../src/log/index.js';
import {
  ENTRY_BUNDLE,
  VALUE_BUNDLE,
  encodeBundle,
  logResourcePath,
  tileBytesFromLeafHashes,
  tilesOfTree,
  type LogResource,
} from '../../src/tiles/index.js';
import { TiledLogVerifier } from '../../src/verify/tiled-log.js';
import { MemoryTileCache, type LogResourceSource } from '../../src/verify/tile-sources.js';
import { naivePath, naiveProof, naiveMth } from '../log/reference.js';

const keyOf = (n: number, salt = '') => sha256(Buffer.from(`tiled-log ${salt}${n}`)).subarray(0, 20);
const valueOf = (n: number) => Buffer.from(`value ${n} `.repeat(1 + (n % 5)));

/** Every resource of a log of `size` entries, by path, as an honest server holds them. */
function honestLog(size: number, salt = '') {
  const leaves = Array.from({ length: size }, (_, n) => encodeLeaf(keyOf(n, salt), sha256(valueOf(n))));
  const leafHashes = leaves.map(hashLeaf);
  const files = new Map<string, Buffer>();
  const tiles = tileBytesFromLeafHashes(leafHashes);
  for (const tile of tilesOfTree(size)) {
    const bytes = tiles.get(`${tile.level}/${tile.index}/${tile.width}`)!;
    files.set(logResourcePath({ kind: 'tile', tile }), bytes);
    if (tile.level !== 0) continue;
    const range = [tile.index * 256, tile.index * 256 + tile.width] as const;
    files.set(logResourcePath({ kind: 'entries', tile }), encodeBundle(ENTRY_BUNDLE, leaves.slice(...range)));
    const values = Array.from({ length: tile.width }, (_, i) => valueOf(range[0] + i));
    files.set(logResourcePath({ kind: 'values', tile }), encodeBundle(VALUE_BUNDLE, values));
  }
  const mth = naiveMth(leafHashes);
  return { files, leafHashes, mth, tree: { size, root: mth(0, size) } };
}

/** A source serving `files`, recording each path asked for. */
class MapSource implements LogResourceSource {
  readonly requests: string[] = [];
  constructor(readonly files: Map<string, Buffer>) {}
  get(resource: LogResource): Promise<Uint8Array> {
    const path = logResourcePath(resource);
    this.requests.push(path);
    const bytes = this.files.get(path);
    return bytes ? Promise.resolve(Buffer.from(bytes)) : Promise.reject(new Error(`${path}: 404`));
  }
}

/** `files` with the resource at `path` replaced. */
function tampered(files: Map<string, Buffer>, path: string, change: (bytes: Buffer) => Buffer) {
  const copy = new Map(files);
  copy.set(path, change(Buffer.from(files.get(path)!)));
  return copy;
}

const flipByte = (at: number) => (b: Buffer) => {
  b[at]! ^= 1;
  return b;
};

describe('tiled-log verifier', () => {
  const log = honestLog(70_000);

  it('verifies the root, entries, values and inclusion proofs of an honest log', async () => {
    const source = new MapSource(log.files);
    const verifier = new TiledLogVerifier(log.tree, source);
    await verifier.verifyRoot();
    expect(source.requests.sort()).toEqual(['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']);
    for (const index of [0, 1, 255, 256, 65_535, 65_536, 69_887, 69_888, 69_999]) {
      const entry = await verifier.entry(index);
      expect(entry.key).toEqual(keyOf(index));
      expect(entry.valueDigest).toEqual(sha256(valueOf(index)));
      expect(await verifier.value(index)).toEqual(valueOf(index));
      const { leafHash, proof } = await verifier.inclusionProof(index);
      expect(leafHash).toEqual(log.leafHashes[index]);
      expect(proof).toEqual(Buffer.concat(naivePath(log.mth, index, 0, log.tree.size)));
    }
  });

  it('fetches only the tiles it needs, each once, and none it has verified before', async () => {
    const source = new MapSource(log.files);
    const cache = new MemoryTileCache();
    const verifier = new TiledLogVerifier(log.tree, source, cache);
    await Promise.all([verifier.leafHash(300), verifier.leafHash(301), verifier.leafHash(600)]);
    // Level-0 tiles 1 and 2, their parent (the full level-1 tile 0), and the right edge.
    expect(source.requests.sort()).toEqual([
      'tile/0/001',
      'tile/0/002',
      'tile/0/273.p/112',
      'tile/1/000',
      'tile/1/001.p/17',
      'tile/2/000.p/1',
    ]);
    expect(cache.size).toBe(6);
    // A later verifier of the same tree with the same cache fetches nothing again.
    const again = new MapSource(log.files);
    await new TiledLogVerifier(log.tree, again, cache).inclusionProof(300);
    expect(again.requests).toEqual([]);
  });

  it('reuses a cache filled at an older size once the newer tree is proven consistent with it', async () => {
    const cache = new MemoryTileCache();
    const older = { size: 60_000, root: log.mth(0, 60_000) };
    // A server holds the partial tiles of every size it signed: here 60,000 and 70,000.
    const files = new Map([...honestLog(60_000).files, ...log.files]);
    await new TiledLogVerifier(older, new MapSource(files), cache).leafHash(1000);
    const source = new MapSource(files);
    const newer = new TiledLogVerifier(log.tree, source, cache);
    await newer.verifyConsistencyWith(older);
    await newer.leafHash(1000);
    // tile/0/003, full at 60,000, came from the cache; what was fetched is new at 70,000 (the
    // edge, and tiles that were partial at 60,000, such as tile/1/000 and tile/0/234).
    expect(source.requests).not.toContain('tile/0/003');
    expect(source.requests).toContain('tile/1/000');
    for (const path of source.requests)
      expect(path, path).not.toMatch(/^tile\/0\/(0\d\d|1\d\d|2[0-2]\d|23[0-3])$/);
  });

  it('proves consistency with every older size, as the reference does', async () => {
    const small = honestLog(700);
    const verifier = new TiledLogVerifier(small.tree, new MapSource(small.files));
    for (let m = 0; m <= 700; m++) {
      const old = { size: m, root: small.mth(0, m) };
      await verifier.verifyConsistencyWith(old);
      if (m > 0)
        expect(await verifier.consistencyProof(m)).toEqual(Buffer.concat(naiveProof(small.mth, m, 700)));
    }
    expect(EMPTY_ROOT).toEqual(small.mth(0, 0));
  });

  it('refuses an older tree it does not extend: another root, a larger size', async () => {
    const verifier = new TiledLogVerifier(log.tree, new MapSource(log.files));
    const forged = { size: 1000, root: log.mth(0, 999) };
    await expect(verifier.verifyConsistencyWith(forged)).rejects.toThrow(
      /not consistent with 1000:.*leads to old root/,
    );
    await expect(verifier.verifyConsistencyWith({ size: 70_000, root: log.mth(0, 69_999) })).rejects.toThrow(
      /not consistent with 70000:.*different roots/,
    );
    await expect(verifier.verifyConsistencyWith({ size: 70_001, root: log.tree.root })).rejects.toThrow(
      /smaller \(size 70000\) than the older tree 70001:/,
    );
  });

  it('verifies the empty tree and refuses a non-empty root for it', async () => {
    const empty = honestLog(0);
    await new TiledLogVerifier(empty.tree, new MapSource(empty.files)).verifyRoot();
    await expect(
      new TiledLogVerifier({ size: 0, root: log.tree.root }, new MapSource(empty.files)).verifyRoot(),
    ).rejects.toThrow(/checkpoint: the right-edge tiles lead to root e3b0c442.*but the checkpoint signs/);
  });

  // Each lie, the read that meets it, and the message it must give, naming the resource.
  const lies: Array<[string, Map<string, Buffer>, (v: TiledLogVerifier) => Promise<unknown>, RegExp]> = [
    [
      'a flipped byte in a full level-0 tile',
      tampered(log.files, 'tile/0/005', flipByte(100)),
      (v) => v.leafHash(5 * 256 + 3),
      /^tile\/0\/005: hashes to [0-9a-f]{64}, but hash 5 of tile\/1\/000 is/,
    ],
    [
      'a flipped byte in a full level-1 tile',
      tampered(log.files, 'tile/1/000', flipByte(8000)),
      (v) => v.leafHash(0),
      /^tile\/1\/000: hashes to .* but hash 0 of tile\/2\/000.p\/1 is/,
    ],
    [
      'a flipped byte in a right-edge tile',
      tampered(log.files, 'tile/1/001.p/17', flipByte(0)),
      (v) => v.verifyRoot(),
      /tile\/1\/001.p\/17.*: the right-edge tiles lead to root [0-9a-f]{64}, but the checkpoint signs/,
    ],
    [
      'a full tile one hash short',
      tampered(log.files, 'tile/0/007', (b) => b.subarray(0, 8160)),
      (v) => v.leafHash(7 * 256),
      /^tile\/0\/007: 8160 bytes, but a tile of width 256 is 8192$/,
    ],
    [
      'a partial tile with a hash too many',
      tampered(log.files, 'tile/0/273.p/112', (b) => Buffer.concat([b, b.subarray(0, 32)])),
      (v) => v.verifyRoot(),
      /^tile\/0\/273.p\/112: 3616 bytes, but a tile of width 112 is 3584$/,
    ],
    [
      'a tile of another tree',
      tampered(log.files, 'tile/0/009', () => honestLog(3000, 'another log').files.get('tile/0/009')!),
      (v) => v.entry(9 * 256),
      /^tile\/0\/009: hashes to .* but hash 9 of tile\/1\/000 is/,
    ],
    [
      'a truncated entry bundle',
      tampered(log.files, 'tile/entries/003', (b) => b.subarray(0, b.length - 5)),
      (v) => v.entry(3 * 256),
      /^tile\/entries\/003: entry 255 is 53 bytes but only 48 remain$/,
    ],
    [
      'an entry bundle with trailing bytes',
      tampered(log.files, 'tile/entries/273.p/112', (b) => Buffer.concat([b, Buffer.from([0, 0])])),
      (v) => v.entry(69_999),
      /^tile\/entries\/273.p\/112: 2 trailing bytes after 112 entries$/,
    ],
    [
      'an entry bundle missing its last entry',
      tampered(log.files, 'tile/entries/273.p/112', (b) => b.subarray(0, b.length - 55)),
      (v) => v.entry(69_888),
      /^tile\/entries\/273.p\/112: holds 111 entries, expected 112$/,
    ],
    [
      'an entry that does not hash to its leaf',
      tampered(log.files, 'tile/entries/010', flipByte(2 + 55 * 4 + 10)),
      (v) => v.entry(10 * 256 + 4),
      /^tile\/entries\/010: entry 4 \(leaf 2564\) does not hash to hash 4 of tile\/0\/010$/,
    ],
    [
      'a value that does not match its digest',
      tampered(log.files, 'tally/values/000', flipByte(4)),
      (v) => v.value(0),
      /^tally\/values\/000: value 0 \(leaf 0\) does not hash to the value digest of entry 0 of tile\/entries\/000$/,
    ],
    [
      'a value bundle with trailing bytes',
      tampered(log.files, 'tally/values/001', (b) => Buffer.concat([b, Buffer.from([1])])),
      (v) => v.value(256),
      /^tally\/values\/001: 1 trailing bytes after 256 values$/,
    ],
  ];

  for (const [lie, files, read, message] of lies) {
    it(`rejects ${lie}, naming the resource, and keeps none of it`, async () => {
      const cache = new MemoryTileCache();
      const verifier = new TiledLogVerifier(log.tree, new MapSource(files), cache);
      const failure = await read(verifier).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(VerificationError);
      expect((failure as Error).message).toMatch(message);
      // Nothing that failed is in the cache: an honest source afterwards fills in the truth.
      const honest = new TiledLogVerifier(log.tree, new MapSource(log.files), cache);
      await read(honest);
    });
  }

  it('passes the source’s own errors through and tries again later', async () => {
    const files = new Map(log.files);
    files.delete('tile/2/000.p/1');
    const source = new MapSource(files);
    const verifier = new TiledLogVerifier(log.tree, source);
    await expect(verifier.verifyRoot()).rejects.toThrow('tile/2/000.p/1: 404');
    files.set('tile/2/000.p/1', log.files.get('tile/2/000.p/1')!);
    await verifier.verifyRoot();
  });

  it('refuses indices outside the tree as misuse', async () => {
    const verifier = new TiledLogVerifier(log.tree, new MapSource(log.files));
    await expect(verifier.entry(70_000)).rejects.toThrow(/entry 70000 is not in the tree of size 70000/);
    await expect(verifier.tile({ level: 0, index: 273, width: 256 })).rejects.toThrow(
      /its width there is 112/,
    );
  });
});
