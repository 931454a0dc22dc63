import { InvalidArgumentError } from '../errors.js';
import { requireCount } from '../log/bits.js';
import { MAX_TILE_LEVEL, TILE_WIDTH, type TileId } from './tile-id.js';

/*
 * Resource paths under a log's URL prefix, exactly as C2SP tlog-tiles spells them, plus tally's
 * value bundles (docs/PROTOCOL.md, "Serving the log as tiles").
 */

/** What a path under a log's prefix names. */
export type LogResource =
  | { kind: 'checkpoint' }
  | { kind: 'tile'; tile: TileId }
  | { kind: 'entries'; tile: TileId }
  | { kind: 'values'; tile: TileId };

export const CHECKPOINT_PATH = 'checkpoint';
const ENTRIES_DIR = 'tile/entries';
const VALUES_DIR = 'tally/values';

/** N as zero-padded 3-digit elements, all but the last prefixed with 'x': 1234067 -> x001/x234/067. */
export function encodeTileIndex(index: number): string {
  requireCount('tile index', index);
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function widthSuffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new InvalidArgumentError(`tile width must be 1..${TILE_WIDTH}, got ${width}`);
  }
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`. */
export function tilePath(tile: TileId): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > MAX_TILE_LEVEL) {
    throw new InvalidArgumentError(`tile level must be 0..${MAX_TILE_LEVEL}, got ${tile.level}`);
  }
  return `tile/${tile.level}/${encodeTileIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`: the entry bundle of level-0 tile N. */
export function entryBundlePath(index: number, width: number): string {
  return `${ENTRIES_DIR}/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

/** `tally/values/<N>[.p/<W>]`: the value bundle beside entry bundle N. */
export function valueBundlePath(index: number, width: number): string {
  return `${VALUES_DIR}/${encodeTileIndex(index)}${widthSuffix(width)}`;
}

/** The path of a resource, inverse of parseLogResourcePath. */
export function logResourcePath(resource: LogResource): string {
  switch (resource.kind) {
    case 'checkpoint':
      return CHECKPOINT_PATH;
    case 'tile':
      return tilePath(resource.tile);
    case 'entries':
      return entryBundlePath(resource.tile.index, resource.tile.width);
    case 'values':
      return valueBundlePath(resource.tile.index, resource.tile.width);
  }
}

const LEVEL = /^(0|[1-9][0-9]?)$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;
const LAST_GROUP = /^[0-9]{3}$/;
const INNER_GROUP = /^x[0-9]{3}$/;

/**
 * Parses a path under a log's prefix. Returns undefined for anything that is not exactly a path
 * logResourcePath could print (so '..', '//', leading zeros, a width of 256 and the like are all
 * refused); this is the only check an HTTP edge needs against traversal.
 */
export function parseLogResourcePath(path: string): LogResource | undefined {
  if (path === CHECKPOINT_PATH) return { kind: 'checkpoint' };
  const parts = path.split('/');
  if (parts[0] === 'tile' && parts[1] === 'entries') return parseIndexed('entries', 0, parts.slice(2));
  if (parts[0] === 'tally' && parts[1] === 'values') return parseIndexed('values', 0, parts.slice(2));
  if (parts[0] === 'tile' && parts[1] !== undefined && LEVEL.test(parts[1])) {
    const level = Number(parts[1]);
    if (level > MAX_TILE_LEVEL) return undefined;
    return parseIndexed('tile', level, parts.slice(2));
  }
  return undefined;
}

function parseIndexed(
  kind: 'tile' | 'entries' | 'values',
  level: number,
  parts: string[],
): LogResource | undefined {
  let groups = parts;
  let width = TILE_WIDTH;
  const beforeLast = parts[parts.length - 2];
  if (beforeLast !== undefined && beforeLast.endsWith('.p')) {
    const w = parts[parts.length - 1]!;
    if (!WIDTH.test(w) || Number(w) >= TILE_WIDTH) return undefined;
    width = Number(w);
    groups = [...parts.slice(0, -2), beforeLast.slice(0, -2)];
  }
  const index = parseTileIndex(groups);
  if (index === undefined) return undefined;
  return { kind, tile: { level, index, width } };
}

function parseTileIndex(groups: string[]): number | undefined {
  if (groups.length === 0) return undefined;
  let index = 0;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    const last = i === groups.length - 1;
    if (!(last ? LAST_GROUP : INNER_GROUP).test(group)) return undefined;
    index = index * 1000 + Number(last ? group : group.slice(1));
  }
  // One spelling per index: no leading all-zero groups ('x000/001' is 1 written twice).
  if (groups.length > 1 && groups[0] === 'x000') return undefined;
  if (!Number.isSafeInteger(index)) return undefined;
  return index;
}
