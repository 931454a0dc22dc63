import { tilesAddedBetween } from './tile-id.js';
import type { LogResource } from './tile-path.js';

/**
 * The resources that are new in the tree of `newSize` next to the tree of `oldSize`, the checkpoint
 * aside: new or wider tree tiles, then the entry and value bundles of the level-0 ones. Every
 * resource a log serves at `oldSize` keeps its bytes, so a static copy writes only these.
 */
export function resourcesAddedBetween(oldSize: number, newSize: number): LogResource[] {
  const tiles = tilesAddedBetween(oldSize, newSize);
  const leafTiles = tiles.filter((tile) => tile.level === 0);
  return [
    ...tiles.map((tile): LogResource => ({ kind: 'tile', tile })),
    ...leafTiles.map((tile): LogResource => ({ kind: 'entries', tile })),
    ...leafTiles.map((tile): LogResource => ({ kind: 'values', tile })),
  ];
}
