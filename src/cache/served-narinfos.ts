/**
 * Narinfos as the proxy serves them (cross-checked, rewritten, signed), per store path hash, kept
 * for as long as the decision they were made for stands: an entry answers only while the decision
 * carries the same value and the same agreeing upstreams, and for at most `ttlMs`. Nix asks for
 * the same narinfos again and again; the upstream round trip, parsing and signing are then paid
 * once per path rather than per request. At most `maxEntries`; when full, the oldest goes first.
 */
export class ServedNarinfos {
  private readonly entries = new Map<
    string,
    { value: Buffer; upstreams: readonly string[]; body: Buffer; expiresAtMs: number }
  >();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a narinfo for `hashPart` is kept and still fresh, whatever decision it was made for. */
  holds(hashPart: string): boolean {
    const entry = this.entries.get(hashPart);
    return entry !== undefined && entry.expiresAtMs > this.now();
  }

  /** The narinfo served for `hashPart` under this decision, if still fresh. */
  get(hashPart: string, value: Buffer, upstreams: readonly string[]): Buffer | undefined {
    const entry = this.entries.get(hashPart);
    if (!entry) return undefined;
    if (
      entry.expiresAtMs <= this.now() ||
      !entry.value.equals(value) ||
      !sameList(entry.upstreams, upstreams)
    ) {
      this.entries.delete(hashPart);
      return undefined;
    }
    return entry.body;
  }

  set(hashPart: string, value: Buffer, upstreams: readonly string[], body: Buffer): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(hashPart);
    this.entries.set(hashPart, {
      value,
      upstreams: [...upstreams],
      body,
      expiresAtMs: this.now() + this.ttlMs,
    });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
