import { BoundedTtlMap } from '../collections/bounded-ttl-map.js';

interface ServedNarinfo {
  value: Buffer;
  upstreams: readonly string[];
  body: Buffer;
}

/**
 * Narinfos as the proxy serves them (cross-checked, rewritten, signed), per store path hash, kept
 * for as long as the decision they were made for stands: an entry answers only while the decision
 * carries the same value and the same agreeing upstreams, and for at most `ttlMs`. Nix asks for
 * the same narinfos again and again; the upstream round trip, parsing and signing are then paid
 * once per path rather than per request. At most `maxEntries`; when full, the oldest goes first.
 */
export class ServedNarinfos {
  private readonly entries: BoundedTtlMap<string, ServedNarinfo>;

  constructor(ttlMs: number, maxEntries: number, now: () => number = Date.now) {
    this.entries = new BoundedTtlMap(ttlMs, maxEntries, now);
  }

  /** The narinfo served for `hashPart` under this decision, if still fresh. */
  get(hashPart: string, value: Buffer, upstreams: readonly string[]): Buffer | undefined {
    const entry = this.entries.get(hashPart);
    if (!entry) return undefined;
    if (!entry.value.equals(value) || !sameList(entry.upstreams, upstreams)) {
      this.entries.delete(hashPart);
      return undefined;
    }
    return entry.body;
  }

  set(hashPart: string, value: Buffer, upstreams: readonly string[], body: Buffer): void {
    this.entries.set(hashPart, { value, upstreams: [...upstreams], body });
  }

  get size(): number {
    return this.entries.size;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
