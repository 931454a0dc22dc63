/** What the map stores for a key: where its entry sits in the log, and the digest of its value. */
export interface MapValue {
  logIndex: number;
  valueDigest: Buffer;
}

/** One new key for `mapInsertBatch`. */
export interface MapInsert {
  key: Buffer;
  logIndex: number;
  valueDigest: Buffer;
}

/** A leaf as stored and proven: the key's 256-bit path instead of the key itself. */
export interface MapLeaf {
  path: Buffer;
  logIndex: number;
  valueDigest: Buffer;
}

/**
 * Synchronous read access to stored node records, keyed by position key (see position.ts).
 * Returns the record bytes, or undefined when that position is empty.
 */
export interface MapNodeSource {
  get(positionKey: Buffer): Buffer | undefined;
}

/** A position key and the record to store there, overwriting whatever was there. */
export type MapWrite = [positionKey: Buffer, record: Buffer];

/**
 * A compact membership or non-membership proof for one key (byte layout in docs/PROTOCOL.md, "The map").
 * Siblings are listed from the root downwards; empty ones are only flagged in the bitmap.
 */
export interface MapProof {
  /** Levels from the root to the terminal, 0..256. */
  depth: number;
  /** ceil(depth/8) bytes, MSB-first: bit i set = the sibling at depth i+1 is empty. */
  emptyBitmap: Buffer;
  /** The non-empty sibling hashes packed end to end (a HashList), from the root downwards. */
  siblings: Buffer;
  /** The terminal: the leaf at that position, or null for an empty subtree. */
  leaf: MapLeaf | null;
}
