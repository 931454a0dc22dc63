import { tilesAddedBetween } from './tile-id.js';
import type { LogResource } from './tile-path.js';

/**
 * Every resource a log gains when its tree grows from `oldSize` to `newSize` (both signed sizes),
 * in the order a publisher writes them: tiles, entry bundles and value bundles, then the
 * checkpoint last, so a reader never sees a checkpoint whose tiles are missing.
 */
export function resourcesAddedBetween(oldSize: number, newSize: number): LogResource[] {
  const tiles = tilesAddedBetween(oldSize, newSize);
  const bundles = tiles.filter((t) => t.level === 0);
  return [
    ...tiles.map((tile): LogResource => ({ kind: 'tile', tile })),
    ...bundles.map((tile): LogResource => ({ kind: 'entries', tile })),
    ...bundles.map((tile): LogResource => ({ kind: 'values', tile })),
    { kind: 'checkpoint' },
  ];
}
