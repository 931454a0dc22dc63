import { BoundedTtlMap } from '../collections/bounded-ttl-map.js';

/**
 * Which store path hashes the proxy served a narinfo for, per the derivation those narinfos name
 * (`Deriver`). A binary cache cannot name a derivation's outputs otherwise, and `nix log` asks
 * for an output's narinfo (to learn its deriver) just before it asks for `log/<drv>`. The deriver
 * is the upstream's claim; the log route re-decides each output before it serves any log.
 */
export class ServedDerivers {
  private readonly outputs: BoundedTtlMap<string, Set<string>>;

  constructor(ttlMs: number, maxEntries: number) {
    this.outputs = new BoundedTtlMap(ttlMs, maxEntries);
  }

  /** `deriver` is a store path base name (`<hash>-<name>.drv`). */
  note(deriver: string, hashPart: string): void {
    const known = this.outputs.get(deriver) ?? new Set<string>();
    known.add(hashPart);
    this.outputs.set(deriver, known);
  }

  /** The hash parts of the outputs whose served narinfo named `deriver`, oldest first. */
  outputsOf(deriver: string): string[] {
    return [...(this.outputs.get(deriver) ?? [])];
  }
}
