import { equalBytes } from '../crypto/equal-bytes.js';
import { packHashes } from '../crypto/hash-list.js';
import { DIGEST_LENGTH, sha256 } from '../crypto/sha256.js';
import { InvalidArgumentError, VerificationError } from '../errors.js';
import { requireCount } from '../log/bits.js';
import {
  hashLeaf,
  leafKeyLength,
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../log/index.js';
import {
  ENTRY_BUNDLE,
  TILE_WIDTH,
  TileTree,
  VALUE_BUNDLE,
  fullTileHash,
  logResourcePath,
  nodeHashFromTiles,
  parseBundle,
  tileKey,
  tilePath,
  tileRunOfNode,
  tilesOfTree,
  tileWidthAt,
  type BundleFormat,
  type LogResource,
  type TileId,
} from '../tiles/index.js';
import { MemoryTileCache, type LogResourceSource, type VerifiedTileCache } from './tile-sources.js';

/** A tree a verified checkpoint signs: its size and RFC 9162 root. */
export interface SignedTree {
  size: number;
  root: Uint8Array;
}

/** One entry of the log, checked against the tiles: its leaf hashes to level-0 hash `index`. */
export interface VerifiedEntry {
  index: number;
  key: Buffer;
  valueDigest: Buffer;
  leafHash: Buffer;
}

/** A whole entry bundle and its values, every item checked (TiledLogVerifier.bundle). */
export interface VerifiedBundle {
  /** Index of the bundle's first entry. */
  start: number;
  /** Leaf data of each entry (views into the fetched bundle). */
  leaves: Uint8Array[];
  /** The bundle's verified level-0 tile: leaf hash j at bytes 32j to 32j + 32. */
  leafHashes: Buffer;
  /** Each entry's value (views into the fetched bundle). */
  values: Uint8Array[];
}

/** Bundles (and tile trees) kept per verifier, most recent first: callers ask for neighbours. */
const RECENT_BUNDLES = 8;
const RECENT_TILE_TREES = 32;

/**
 * Reads a C2SP tlog-tiles log through an untrusted LogResourceSource and trusts nothing it did
 * not check against one signed tree (the idea of Go's sumdb/tlog TileHashReader):
 *
 * - the right-edge (partial) tiles of the tree are fetched together, and must reproduce the
 *   signed root (`verifyRoot`; every other read starts with it);
 * - a full tile must hash to its hash in the tile above it, itself verified first;
 * - every tile must be exactly width × 32 bytes;
 * - an entry bundle must hold exactly the tile's width of entries, and each entry read must
 *   hash to its level-0 hash; a value bundle likewise, each value read hashing to its entry's
 *   value digest (only what is read is hashed).
 *
 * A tile goes into the VerifiedTileCache only after it verified, and tiles from the cache are
 * not fetched again. Every failure is a VerificationError whose message starts with the path of
 * the resource at fault; errors of the source (network) pass through unchanged, and misuse (an
 * index outside the tree) is an InvalidArgumentError. One verifier per signed tree; it holds
 * only a few recent bundles itself.
 */
export class TiledLogVerifier {
  private edge: Promise<Map<string, Uint8Array>> | undefined;
  private readonly pending = new Map<string, Promise<Uint8Array>>();
  private readonly entryBundles = new Map<number, Promise<ParsedBundle<VerifiedEntry>>>();
  private readonly valueBundles = new Map<number, Promise<ParsedBundle<Buffer>>>();
  private readonly tileTrees = new Map<string, TileTree>();

  constructor(
    readonly tree: SignedTree,
    private readonly source: LogResourceSource,
    private readonly cache: VerifiedTileCache = new MemoryTileCache(),
  ) {
    requireCount('tree size', tree.size);
    if (tree.root.length !== DIGEST_LENGTH) {
      throw new InvalidArgumentError(`tree root is ${tree.root.length} bytes, expected ${DIGEST_LENGTH}`);
    }
  }

  get size(): number {
    return this.tree.size;
  }

  /** Checks that the tree's right-edge tiles reproduce the signed root (once per verifier). */
  async verifyRoot(): Promise<void> {
    await this.verifiedEdge();
  }

  /**
   * The tiles the hashes of `nodes` (complete nodes of this tree) are read from, each once. To
   * verify them the verifier also reads their parents up to the right edge.
   */
  tilesHolding(nodes: readonly NodeId[]): TileId[] {
    const tiles = new Map<string, TileId>();
    for (const node of nodes) {
      const run = tileRunOfNode(node);
      const tile = {
        level: run.tileLevel,
        index: run.tileIndex,
        width: tileWidthAt(run.tileLevel, run.tileIndex, this.size),
      };
      tiles.set(tileKey(tile), tile);
    }
    return [...tiles.values()];
  }

  /** The bytes of tile `tile` at its width in this tree, verified. */
  async tile(tile: TileId): Promise<Uint8Array> {
    const width = tileWidthAt(tile.level, tile.index, this.size);
    if (tile.width !== width || width === 0) {
      throw new InvalidArgumentError(
        `tile ${tile.level}/${tile.index} at width ${tile.width} is not in the tree of size ${this.size}` +
          (width > 0 ? ` (its width there is ${width})` : ''),
      );
    }
    if (width < TILE_WIDTH) return (await this.verifiedEdge()).get(tileKey(tile))!;
    // Concurrent reads of one tile (siblings share parents) wait for one fetch.
    const key = tileKey(tile);
    let verified = this.pending.get(key);
    if (verified === undefined) {
      verified = this.cachedOrVerifiedFullTile(tile).finally(() => this.pending.delete(key));
      this.pending.set(key, verified);
    }
    return verified;
  }

  /** The hashes of complete nodes of this tree, read from verified tiles. */
  async nodeHashes(nodes: readonly NodeId[]): Promise<Buffer[]> {
    const tiles = this.tilesHolding(nodes);
    const bytes = await Promise.all(tiles.map((t) => this.tile(t)));
    const trees = new Map(tiles.map((t, i) => [tileKey(t), this.tileTree(t, bytes[i]!)]));
    const read = (level: number, index: number, width: number) =>
      trees.get(tileKey({ level, index, width }))!;
    return nodes.map((node) => nodeHashFromTiles(node, this.size, read));
  }

  /** The leaf hash of entry `index`, from its verified level-0 tile. */
  async leafHash(index: number): Promise<Buffer> {
    this.requireIndex(index);
    const tile = this.level0Tile(Math.floor(index / TILE_WIDTH));
    const bytes = await this.tile(tile);
    const at = (index % TILE_WIDTH) * DIGEST_LENGTH;
    return Buffer.from(bytes.subarray(at, at + DIGEST_LENGTH));
  }

  /**
   * The RFC 9162 inclusion proof of entry `index` in this tree, computed from verified tiles and
   * checked against the signed root with the leaf hash of its tile.
   */
  async inclusionProof(index: number): Promise<{ leafHash: Buffer; proof: Buffer }> {
    this.requireIndex(index);
    const plan = planInclusionProof(index, this.size);
    const [hashes, leafHash] = await Promise.all([this.nodeHashes(plan.nodes), this.leafHash(index)]);
    const proof = packHashes(plan.assemble(hashes));
    verifyInclusion(leafHash, index, this.size, proof, this.tree.root);
    return { leafHash, proof };
  }

  /** The RFC 9162 consistency proof from size `oldSize` to this tree, from verified tiles. */
  async consistencyProof(oldSize: number): Promise<Buffer> {
    requireCount('old tree size', oldSize);
    if (oldSize > this.size) {
      throw new InvalidArgumentError(`old size ${oldSize} is larger than the tree's size ${this.size}`);
    }
    if (oldSize === 0 || oldSize === this.size) return Buffer.alloc(0);
    const plan = planConsistencyProof(oldSize, this.size);
    return packHashes(plan.assemble(await this.nodeHashes(plan.nodes)));
  }

  /**
   * Checks that this tree is an append-only extension of the older tree `old` (a size and root
   * the caller trusts). A larger old tree (rollback), another root at the same size (fork) or a
   * proof that leads elsewhere is a VerificationError.
   */
  async verifyConsistencyWith(old: SignedTree): Promise<void> {
    requireCount('old tree size', old.size);
    const against = `${old.size}:${Buffer.from(old.root).toString('base64')}`;
    if (old.size > this.size) {
      throw new VerificationError(`the log is smaller (size ${this.size}) than the older tree ${against}`);
    }
    const proof = await this.consistencyProof(old.size);
    try {
      verifyConsistency(old.size, this.size, old.root, this.tree.root, proof);
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e;
      throw new VerificationError(
        `the tree of size ${this.size} is not consistent with ${against}: ${e.message}`,
      );
    }
  }

  /**
   * Entry `index`, from its entry bundle (which must hold exactly its tile's width of entries),
   * checked against its level-0 tile. Only the entries asked for are hashed: one lookup need not
   * hash 256 leaves.
   */
  async entry(index: number): Promise<VerifiedEntry> {
    this.requireIndex(index);
    const bundle = await this.entryBundle(Math.floor(index / TILE_WIDTH));
    return bundle.checked(index % TILE_WIDTH);
  }

  /** The value of entry `index`, from its value bundle, checked against the entry's value digest. */
  async value(index: number): Promise<Buffer> {
    this.requireIndex(index);
    const n = Math.floor(index / TILE_WIDTH);
    const [bundle] = await Promise.all([
      recent(this.valueBundles, n, (i) => this.fetchValueBundle(i)),
      this.entry(index),
    ]);
    return bundle.checked(index % TILE_WIDTH);
  }

  /**
   * Every entry and value of entry bundle `n` at its width in this tree, all checked: each entry
   * against its level-0 tile, each value against its entry's digest. One promise for 256 entries,
   * for readers of whole bundles (a mirror); nothing is kept in the verifier.
   */
  async bundle(n: number): Promise<VerifiedBundle> {
    this.requireIndex(n * TILE_WIDTH);
    const [{ bundle: entries, hashes }, values] = await Promise.all([
      this.fetchEntries(n),
      this.fetchValues(n),
    ]);
    for (let j = 0; j < entries.items.length; j++) {
      const leaf = entries.items[j]!;
      checkValue(values, values.items[j]!, j, leaf, 1 + checkEntry(entries, hashes, leaf, j));
    }
    return { start: n * TILE_WIDTH, leaves: entries.items, leafHashes: hashes, values: values.items };
  }

  private verifiedEdge(): Promise<Map<string, Uint8Array>> {
    if (this.edge === undefined) {
      const edge = this.verifyEdge();
      // A failed fetch may be retried; a verified edge is kept.
      edge.catch(() => {
        if (this.edge === edge) this.edge = undefined;
      });
      this.edge = edge;
    }
    return this.edge;
  }

  /** The partial tiles of the tree, which hold its frontier: together they give the root. */
  private async verifyEdge(): Promise<Map<string, Uint8Array>> {
    const tiles = tilesOfTree(this.size).filter((t) => t.width < TILE_WIDTH);
    const fetched: TileId[] = [];
    const bytes = await Promise.all(
      tiles.map(async (tile) => {
        const cached = await this.cache.get(tile);
        if (cached !== undefined) return cached;
        fetched.push(tile);
        return this.fetchTile(tile);
      }),
    );
    const byKey = new Map(tiles.map((t, i) => [tileKey(t), bytes[i]!]));
    const plan = planRoot(this.size);
    const read = (level: number, index: number, width: number) =>
      new TileTree(asBuffer(byKey.get(tileKey({ level, index, width }))!));
    const root = plan.assemble(plan.nodes.map((node) => nodeHashFromTiles(node, this.size, read)));
    if (!equalBytes(root, this.tree.root)) {
      const named = (fetched.length > 0 ? fetched : tiles).map(tilePath).join(', ') || 'checkpoint';
      throw new VerificationError(
        `${named}: the right-edge tiles lead to root ${hex(root)}, but the checkpoint signs ` +
          `${hex(this.tree.root)} for size ${this.size}`,
      );
    }
    for (const tile of fetched) await this.cache.put(tile, byKey.get(tileKey(tile))!);
    return byKey;
  }

  private async cachedOrVerifiedFullTile(tile: TileId): Promise<Uint8Array> {
    return (await this.cache.get(tile)) ?? this.verifyFullTile(tile);
  }

  /** A full tile, checked against its hash in its parent tile (verified first, in parallel). */
  private async verifyFullTile(tile: TileId): Promise<Uint8Array> {
    const parentIndex = Math.floor(tile.index / TILE_WIDTH);
    const parent = {
      level: tile.level + 1,
      index: parentIndex,
      width: tileWidthAt(tile.level + 1, parentIndex, this.size),
    };
    const [bytes, parentBytes] = await Promise.all([this.fetchTile(tile), this.tile(parent)]);
    const at = (tile.index % TILE_WIDTH) * DIGEST_LENGTH;
    const expected = parentBytes.subarray(at, at + DIGEST_LENGTH);
    const hash = fullTileHash(bytes);
    if (!equalBytes(hash, expected)) {
      throw new VerificationError(
        `${tilePath(tile)}: hashes to ${hex(hash)}, but hash ${tile.index % TILE_WIDTH} of ` +
          `${tilePath(parent)} is ${hex(expected)}`,
      );
    }
    await this.cache.put(tile, bytes);
    return bytes;
  }

  private async fetchTile(tile: TileId): Promise<Uint8Array> {
    const bytes = await this.source.get({ kind: 'tile', tile });
    const expected = tile.width * DIGEST_LENGTH;
    if (bytes.length !== expected) {
      throw new VerificationError(
        `${tilePath(tile)}: ${bytes.length} bytes, but a tile of width ${tile.width} is ${expected}`,
      );
    }
    return bytes;
  }

  private entryBundle(n: number): Promise<ParsedBundle<VerifiedEntry>> {
    return recent(this.entryBundles, n, (i) => this.fetchEntryBundle(i));
  }

  private async fetchEntryBundle(n: number): Promise<ParsedBundle<VerifiedEntry>> {
    const { bundle, hashes } = await this.fetchEntries(n);
    return new ParsedBundle(bundle.items, (leaf, j) => {
      const keyLength = checkEntry(bundle, hashes, leaf, j);
      return {
        index: bundle.start + j,
        leafHash: Buffer.from(hashes.subarray(j * DIGEST_LENGTH, (j + 1) * DIGEST_LENGTH)),
        key: Buffer.from(leaf.subarray(1, 1 + keyLength)),
        valueDigest: Buffer.from(leaf.subarray(1 + keyLength)),
      };
    });
  }

  private async fetchValueBundle(n: number): Promise<ParsedBundle<Buffer>> {
    const [values, entries] = await Promise.all([this.fetchValues(n), this.entryBundle(n)]);
    return new ParsedBundle(values.items, (value, j) => {
      checkValue(values, value, j, entries.checked(j).valueDigest, 0);
      return asBuffer(value);
    });
  }

  /** Entry bundle `n`, its structure checked, with its verified level-0 tile. */
  private async fetchEntries(n: number): Promise<{ bundle: FetchedBundle; hashes: Buffer }> {
    const tile = this.level0Tile(n);
    const resource: LogResource = { kind: 'entries', tile };
    const [bytes, hashes] = await Promise.all([this.source.get(resource), this.tile(tile)]);
    return { bundle: fetchedBundle(ENTRY_BUNDLE, resource, bytes), hashes: asBuffer(hashes) };
  }

  /** Value bundle `n`, its structure checked (not yet its values). */
  private async fetchValues(n: number): Promise<FetchedBundle> {
    const resource: LogResource = { kind: 'values', tile: this.level0Tile(n) };
    return fetchedBundle(VALUE_BUNDLE, resource, await this.source.get(resource));
  }

  private level0Tile(index: number): TileId {
    return { level: 0, index, width: tileWidthAt(0, index, this.size) };
  }

  private tileTree(tile: TileId, bytes: Uint8Array): TileTree {
    const key = tileKey(tile);
    let tree = this.tileTrees.get(key);
    if (tree === undefined) {
      tree = new TileTree(asBuffer(bytes));
      if (this.tileTrees.size >= RECENT_TILE_TREES)
        this.tileTrees.delete(this.tileTrees.keys().next().value!);
    } else {
      this.tileTrees.delete(key);
    }
    this.tileTrees.set(key, tree);
    return tree;
  }

  private requireIndex(index: number): void {
    requireCount('entry index', index);
    if (index >= this.size) {
      throw new InvalidArgumentError(`entry ${index} is not in the tree of size ${this.size}`);
    }
  }
}

/** A fetched bundle whose structure was checked: exactly its tile's width of items. */
interface FetchedBundle {
  resource: LogResource & { kind: 'entries' | 'values' };
  path: string;
  start: number;
  items: Uint8Array[];
}

function fetchedBundle(
  format: BundleFormat,
  resource: LogResource & { kind: 'entries' | 'values' },
  bytes: Uint8Array,
): FetchedBundle {
  const path = logResourcePath(resource);
  const { tile } = resource;
  return {
    resource,
    path,
    start: tile.index * TILE_WIDTH,
    items: parseBundle(format, bytes, tile.width, path),
  };
}

/**
 * Checks entry `j` of an entry bundle: it hashes to hash j of the bundle's level-0 tile, and it
 * is well-formed leaf data. Returns its key's length (the value digest follows the key).
 */
function checkEntry(bundle: FetchedBundle, hashes: Buffer, leaf: Uint8Array, j: number): number {
  const at = j * DIGEST_LENGTH;
  if (hashLeaf(leaf).compare(hashes, at, at + DIGEST_LENGTH) !== 0) {
    throw new VerificationError(
      `${bundle.path}: entry ${j} (leaf ${bundle.start + j}) does not hash to hash ${j} of ${tilePath(bundle.resource.tile)}`,
    );
  }
  try {
    return leafKeyLength(leaf);
  } catch (e) {
    throw new VerificationError(
      `${bundle.path}: entry ${j} (leaf ${bundle.start + j}): ${(e as Error).message}`,
    );
  }
}

/** Checks value `j` of a value bundle against the value digest at `digestAt` in `digest`. */
function checkValue(
  values: FetchedBundle,
  value: Uint8Array,
  j: number,
  digest: Uint8Array,
  digestAt: number,
): void {
  if (sha256(value).compare(digest, digestAt, digestAt + DIGEST_LENGTH) !== 0) {
    throw new VerificationError(
      `${values.path}: value ${j} (leaf ${values.start + j}) does not hash to the value digest of ` +
        `entry ${j} of ${logResourcePath({ kind: 'entries', tile: values.resource.tile })}`,
    );
  }
}

/**
 * A bundle whose structure was checked (exactly its tile's width of items, no byte left over);
 * each item is checked by `check` the first time it is asked for, and kept once it passed.
 */
class ParsedBundle<T> {
  private readonly passed: Array<T | undefined> = [];

  constructor(
    private readonly items: Uint8Array[],
    private readonly check: (item: Uint8Array, position: number) => T,
  ) {}

  checked(position: number): T {
    return (this.passed[position] ??= this.check(this.items[position]!, position));
  }
}

/**
 * The memoised `verify(n)` from `memo`, which keeps the RECENT_BUNDLES most recent; a failure is
 * not kept, so a later call tries again.
 */
function recent<T>(memo: Map<number, Promise<T>>, n: number, verify: (n: number) => Promise<T>): Promise<T> {
  let result = memo.get(n);
  if (result !== undefined) {
    memo.delete(n);
  } else {
    result = verify(n);
    result.catch(() => {
      if (memo.get(n) === result) memo.delete(n);
    });
    if (memo.size >= RECENT_BUNDLES) memo.delete(memo.keys().next().value!);
  }
  memo.set(n, result);
  return result;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
