import { BoundedTtlMap } from '../collections/bounded-ttl-map.js';

/** The upstream a served narinfo came from, and where that upstream keeps the NAR. */
export interface NarSource {
  upstream: string;
  /** The upstream narinfo's URL, relative to the upstream. */
  url: string;
  compression: string;
}

interface ServedNarinfo {
  value: Buffer;
  upstreams: readonly string[];
  body: Buffer;
  source: NarSource;
}

/**
 * Narinfos as the proxy serves them (cross-checked, rewritten, signed), per store path hash, kept
 * for as long as the decision they were made for stands: an entry answers only while the decision
 * carries the same value and the same agreeing upstreams, and for at most `ttlMs`. Nix asks for
 * the same narinfos again and again; the upstream round trip, parsing and signing are then paid
 * once per path rather than per request. At most `maxEntries`; when full, the oldest goes first.
 * Each entry also keeps where its narinfo came from (`NarSource`), so the NAR route opens the NAR
 * without asking the upstreams for the narinfo again.
 */
export class ServedNarinfos {
  private readonly entries: BoundedTtlMap<string, ServedNarinfo>;

  constructor(ttlMs: number, maxEntries: number, now: () => number = Date.now) {
    this.entries = new BoundedTtlMap(ttlMs, maxEntries, now);
  }

  /** The narinfo served for `hashPart` under this decision, if still fresh. */
  get(hashPart: string, value: Buffer, upstreams: readonly string[]): Buffer | undefined {
    return this.fresh(hashPart, value, upstreams)?.body;
  }

  /** Where the narinfo served for `hashPart` under this decision came from, if still fresh. */
  source(hashPart: string, value: Buffer, upstreams: readonly string[]): NarSource | undefined {
    return this.fresh(hashPart, value, upstreams)?.source;
  }

  set(hashPart: string, value: Buffer, upstreams: readonly string[], body: Buffer, source: NarSource): void {
    this.entries.set(hashPart, { value, upstreams: [...upstreams], body, source });
  }

  get size(): number {
    return this.entries.size;
  }

  private fresh(hashPart: string, value: Buffer, upstreams: readonly string[]): ServedNarinfo | undefined {
    const entry = this.entries.get(hashPart);
    if (!entry) return undefined;
    if (!entry.value.equals(value) || !sameList(entry.upstreams, upstreams)) {
      this.entries.delete(hashPart);
      return undefined;
    }
    return entry;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
