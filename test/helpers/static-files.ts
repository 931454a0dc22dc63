import fs from 'node:fs';
import path from 'node:path';
import { encodeLeaf, hashLeaf } from '../../src/log/index.js';
import { sha256 } from '../../src/crypto/sha256.js';
import {
  ENTRY_BUNDLE,
  TILE_WIDTH,
  VALUE_BUNDLE,
  encodeBundle,
  entryBundlePath,
  tileBytesFromLeafHashes,
  tileKey,
  tilePath,
  tilesOfTree,
  valueBundlePath,
} from '../../src/tiles/index.js';

/**
 * What a static copy of a log must hold, computed naively from its entries: every tile and bundle of
 * the tree at every signed size (partial ones too), and the checkpoint `note`.
 */
export function expectedStaticFiles(
  entries: readonly { key: Buffer; value: Buffer }[],
  signedSizes: readonly number[],
  note: string,
): Map<string, Buffer> {
  const leaves = entries.map((e) => encodeLeaf(e.key, sha256(e.value)));
  const files = new Map<string, Buffer>([['checkpoint', Buffer.from(note)]]);
  for (const size of signedSizes) {
    const tiles = tileBytesFromLeafHashes(leaves.slice(0, size).map(hashLeaf));
    for (const tile of tilesOfTree(size)) {
      files.set(tilePath(tile), tiles.get(tileKey(tile))!);
      if (tile.level !== 0) continue;
      const first = tile.index * TILE_WIDTH;
      const inTile = (items: Buffer[]) => items.slice(first, first + tile.width);
      files.set(entryBundlePath(tile.index, tile.width), encodeBundle(ENTRY_BUNDLE, inTile(leaves)));
      const values = inTile(entries.map((e) => e.value));
      files.set(valueBundlePath(tile.index, tile.width), encodeBundle(VALUE_BUNDLE, values));
    }
  }
  return files;
}

/** Every file under `root`, by its path relative to it ('/'-separated), with its bytes. */
export function filesUnder(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!fs.existsSync(root)) return files;
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(root, full).split(path.sep).join('/'), fs.readFileSync(full));
  }
  return files;
}
