// Test helpers for the map: an in-memory node store, a seeded PRNG, an independent reference
// root computed straight from the spec, and a search for keys whose paths share long prefixes.
import crypto from 'node:crypto';
import type { MapLeaf, MapNodeSource, MapProof, MapWrite } from '../../src/map/index.js';

/** The simplest MapNodeSource: a Map keyed by the position key's hex. */
export class MemoryNodeSource implements MapNodeSource {
  readonly records = new Map<string, Buffer>();
  get(positionKey: Buffer): Buffer | undefined {
    return this.records.get(positionKey.toString('hex'));
  }
  apply(writes: MapWrite[]): void {
    for (const [key, record] of writes) this.records.set(key.toString('hex'), record);
  }
}

/** Wraps a source and records every position read, to check that each is read at most once. */
export class CountingSource implements MapNodeSource {
  readonly reads: string[] = [];
  constructor(private readonly inner: MapNodeSource) {}
  get(positionKey: Buffer): Buffer | undefined {
    this.reads.push(positionKey.toString('hex'));
    return this.inner.get(positionKey);
  }
}

/** mulberry32: small, seeded, good enough to drive property loops reproducibly. */
export function seededRandom(seed: number): { int(maxExclusive: number): number; bytes(n: number): Buffer } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

// The reference hashes are written out from the spec with node:crypto directly, so they check
// the implementation's byte layout rather than reuse it.
const sha = (...parts: Buffer[]): Buffer => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
export const ZERO_HASH = Buffer.alloc(32);

export function referencePath(key: Buffer): Buffer {
  return sha(key);
}

export function referenceLeafHash(leaf: MapLeaf): Buffer {
  const index = Buffer.alloc(8);
  index.writeBigUInt64BE(BigInt(leaf.logIndex));
  return sha(Buffer.from([0x02]), leaf.path, index, leaf.valueDigest);
}

export function referenceNodeHash(left: Buffer, right: Buffer): Buffer {
  return sha(Buffer.from([0x03]), left, right);
}

export function bitOf(path: Buffer, i: number): number {
  return (path[i >> 3]! >> (7 - (i % 8))) & 1;
}

/** Root of the collapsed sparse Merkle tree holding exactly `leaves`, by direct recursion. */
export function referenceRoot(leaves: MapLeaf[], depth = 0): Buffer {
  if (leaves.length === 0) return ZERO_HASH;
  if (leaves.length === 1) return referenceLeafHash(leaves[0]!);
  const left = leaves.filter((l) => bitOf(l.path, depth) === 0);
  const right = leaves.filter((l) => bitOf(l.path, depth) === 1);
  return referenceNodeHash(referenceRoot(left, depth + 1), referenceRoot(right, depth + 1));
}

/** Number of leading bits two paths share. */
export function sharedPrefixBits(a: Buffer, b: Buffer): number {
  let i = 0;
  while (i < 256 && bitOf(a, i) === bitOf(b, i)) i++;
  return i;
}

/**
 * Deterministic keys `${label}-${i}` whose paths agree on at least `bits` leading bits, `count` of
 * them in one group (birthday search, so 24 bits needs a few tens of thousands of hashes).
 */
export function keysSharingPrefix(bits: number, count: number, label = 'collide'): Buffer[] {
  const groups = new Map<string, Buffer[]>();
  for (let i = 0; ; i++) {
    const key = Buffer.from(`${label}-${i}`);
    const path = referencePath(key);
    const prefix = path.readUInt32BE(0) >>> (32 - bits);
    const group = groups.get(String(prefix)) ?? [];
    group.push(key);
    groups.set(String(prefix), group);
    if (group.length === count) return group;
  }
}

/** Field-by-field proof equality; much faster than toEqual on many Buffers. */
export function sameProof(a: MapProof, b: MapProof): boolean {
  const sameLeaf =
    a.leaf === null || b.leaf === null
      ? a.leaf === b.leaf
      : a.leaf.path.equals(b.leaf.path) &&
        a.leaf.logIndex === b.leaf.logIndex &&
        a.leaf.valueDigest.equals(b.leaf.valueDigest);
  return (
    a.depth === b.depth && a.emptyBitmap.equals(b.emptyBitmap) && a.siblings.equals(b.siblings) && sameLeaf
  );
}
