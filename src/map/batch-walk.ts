import { TallyError } from '../errors.js';
import { PATH_BITS, pathBit, sharePrefix } from './path.js';
import { positionKey } from './position.js';
import { decodeRecord } from './record.js';
import type { MapLeaf } from './types.js';

/**
 * walkToTerminal for many paths at once, breadth-first, so storage can fetch each depth in one
 * bulk read: `positions()` names the positions the unfinished walks stand on at the current depth
 * (each once, however many paths pass through it), `supply()` takes their records and steps down.
 * The positions asked for are exactly those walkToTerminal, and mapInsertBatch, read for these
 * paths, so a caller that keeps the supplied records can run the insert without reading again.
 *
 *   const walk = new BatchWalk(paths);
 *   while (!walk.done) walk.supply(read(walk.positions()));
 *   walk.terminals() // per path: the leaf at its terminal, or null for an empty terminal
 *
 * A caller that already knows every path passes through internal nodes down to depth
 * startDepth - 1 (say, from an in-memory copy of the top of the tree) can start the walk at
 * startDepth; the positions above it are then neither asked for nor needed.
 */
export class BatchWalk {
  private depth = 0;
  /** Indexes into `paths`, sorted by path, so the paths under one position are a contiguous run. */
  private readonly order: number[];
  /** The runs [lo, hi) of `order` still walking, one per position at the current depth, as lo/hi pairs. */
  private runs: number[];
  private readonly terminalLeaves: (MapLeaf | null)[];

  constructor(
    private readonly paths: readonly Buffer[],
    startDepth = 0,
  ) {
    if (!Number.isInteger(startDepth) || startDepth < 0 || startDepth > PATH_BITS) {
      throw new TallyError('INTERNAL', `batch walk start depth must be 0..${PATH_BITS}, got ${startDepth}`);
    }
    this.depth = startDepth;
    this.order = paths.map((_, i) => i).sort((a, b) => Buffer.compare(paths[a]!, paths[b]!));
    // One run per distinct startDepth-bit prefix: sorted paths sharing it are contiguous.
    this.runs = [];
    for (let lo = 0, i = 1; i <= paths.length; i++) {
      if (i === paths.length || !sharePrefix(paths[this.order[lo]!]!, paths[this.order[i]!]!, startDepth)) {
        this.runs.push(lo, i);
        lo = i;
      }
    }
    this.terminalLeaves = new Array<MapLeaf | null>(paths.length).fill(null);
  }

  get done(): boolean {
    return this.runs.length === 0;
  }

  /** Depth of the positions `positions()` returns. */
  get currentDepth(): number {
    return this.depth;
  }

  /** Position keys to read at the current depth, in path order. */
  positions(): Buffer[] {
    const keys: Buffer[] = [];
    for (let r = 0; r < this.runs.length; r += 2) {
      keys.push(positionKey(this.depth, this.paths[this.order[this.runs[r]!]!]!));
    }
    return keys;
  }

  /** Records for the last `positions()`, in the same order (undefined = empty position). */
  supply(records: ReadonlyArray<Buffer | undefined>): void {
    if (records.length !== this.runs.length / 2) {
      throw new TallyError(
        'INTERNAL',
        `batch walk needs ${this.runs.length / 2} records, got ${records.length}`,
      );
    }
    const next: number[] = [];
    for (let r = 0; r < this.runs.length; r += 2) {
      const lo = this.runs[r]!;
      const hi = this.runs[r + 1]!;
      const bytes = records[r / 2];
      if (bytes === undefined) continue; // empty terminal: the leaves stay null
      const record = decodeRecord(bytes);
      if (record.kind === 'leaf') {
        for (let i = lo; i < hi; i++) this.terminalLeaves[this.order[i]!] = record.leaf;
        continue;
      }
      if (this.depth === PATH_BITS)
        throw new TallyError('INTERNAL', 'corrupt map: internal node at depth 256');
      const mid = this.firstRightIndex(lo, hi);
      if (mid > lo) next.push(lo, mid);
      if (mid < hi) next.push(mid, hi);
    }
    this.runs = next;
    this.depth++;
  }

  /** Per path (in the caller's order): the terminal leaf, a view into a supplied record, or null. */
  terminals(): (MapLeaf | null)[] {
    if (!this.done) throw new TallyError('INTERNAL', 'batch walk has not reached every terminal yet');
    return this.terminalLeaves;
  }

  /** In the sorted run [lo, hi), whose paths share `depth` bits, the first whose bit `depth` is 1. */
  private firstRightIndex(lo: number, hi: number): number {
    let low = lo;
    let high = hi;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (pathBit(this.paths[this.order[mid]!]!, this.depth) === 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
