import type { LogStore } from '../store/log-store.js';
import {
  TILE_WIDTH,
  VALUE_BUNDLE,
  encodeBundle,
  sizesRequiringPartial,
  type LogResource,
  type TileId,
} from '../tiles/index.js';

/** A log resource's bytes and how it may be cached. */
export interface ResourceBytes {
  body: Buffer;
  contentType: string;
  /** Immutable resources (tiles, bundles) may be cached for ever; the checkpoint for seconds. */
  immutable: boolean;
  /** Bundles compress well; tiles (hashes) do not. */
  compressible: boolean;
}

/**
 * What a served log's resources are read from: a published log's LogStore, or a mirror's
 * MirrorStore (a node serves what it mirrors byte for byte as the origin does).
 */
export type ServedStore = Pick<
  LogStore,
  'getHead' | 'size' | 'getTile' | 'getEntryBundle' | 'getBundleValues' | 'signedSizeWithin'
>;

const OCTETS = 'application/octet-stream';
const IMMUTABLE = 'public, max-age=31536000, immutable';
// The checkpoint changes with every commit: C2SP tlog-tiles asks for a few seconds at most.
const MUTABLE = 'public, max-age=2';

/** The Cache-Control header a resource is served with, by the daemon and by static copies. */
export function cacheControlOf(bytes: ResourceBytes): string {
  return bytes.immutable ? IMMUTABLE : MUTABLE;
}

/**
 * The bytes of one tlog-tiles resource of a published log, as the daemon serves them and the
 * static publishers write them; undefined when the log has no such resource. A partial tile or
 * bundle exists only at a width some signed checkpoint required (C2SP tlog-tiles).
 */
export async function readLogResource(
  store: ServedStore,
  resource: LogResource,
): Promise<ResourceBytes | undefined> {
  if (resource.kind === 'checkpoint') return checkpointBytes(store.getHead().note);
  const { tile } = resource;
  if (!(await signedAtWidth(store, tile))) return undefined;
  const bytes = resourceBytes(store, resource.kind, tile);
  if (bytes === undefined) return undefined;
  return { body: bytes, contentType: OCTETS, immutable: true, compressible: resource.kind !== 'tile' };
}

/** A signed checkpoint note as the `checkpoint` resource. */
export function checkpointBytes(note: string): ResourceBytes {
  return {
    body: Buffer.from(note),
    contentType: 'text/plain; charset=utf-8',
    immutable: false,
    compressible: false,
  };
}

function resourceBytes(
  store: ServedStore,
  kind: 'tile' | 'entries' | 'values',
  tile: TileId,
): Buffer | undefined {
  if (kind === 'tile') return store.getTile(tile);
  if (tile.level !== 0) return undefined;
  if (kind === 'entries') return store.getEntryBundle(tile.index, tile.width);
  const values = store.getBundleValues(tile.index, tile.width);
  return values && encodeBundle(VALUE_BUNDLE, values);
}

async function signedAtWidth(store: ServedStore, tile: TileId): Promise<boolean> {
  if (tile.width === TILE_WIDTH) return true;
  const { first, end } = sizesRequiringPartial(tile);
  return first <= store.size && (await store.signedSizeWithin(first, end));
}
