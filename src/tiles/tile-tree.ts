import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { TallyError } from '../errors.js';
import { hashChildrenAt } from '../log/hasher.js';

/**
 * Every complete node inside one tile, hashed once: rows[r] holds the MTH of each aligned run of
 * 2^r of the tile's hashes (row 0 is the tile itself). A reader that answers many proofs from one
 * tile keeps this instead of hashing the same runs again; a full tile costs 255 hashes, 16 KiB.
 */
export class TileTree {
  private readonly rows: Buffer[];

  constructor(readonly tile: Buffer) {
    if (tile.length % DIGEST_LENGTH !== 0) throw new TallyError('INTERNAL', `tile of ${tile.length} bytes`);
    this.rows = [tile];
    for (let row = tile; row.length >= 2 * DIGEST_LENGTH;) {
      const pairs = Math.floor(row.length / (2 * DIGEST_LENGTH));
      const up = Buffer.allocUnsafe(pairs * DIGEST_LENGTH);
      for (let j = 0; j < pairs; j++) {
        hashChildrenAt(row, 2 * j * DIGEST_LENGTH, row, (2 * j + 1) * DIGEST_LENGTH).copy(
          up,
          j * DIGEST_LENGTH,
        );
      }
      this.rows.push(up);
      row = up;
    }
  }

  get width(): number {
    return this.tile.length / DIGEST_LENGTH;
  }

  /** MTH of the `count` hashes from `offset`; count a power of two and offset a multiple of it. */
  run(offset: number, count: number): Buffer {
    const row = Math.log2(count);
    const hashes = this.rows[row];
    const at = offset / count;
    if (
      !Number.isInteger(row) ||
      !Number.isInteger(at) ||
      hashes === undefined ||
      (at + 1) * DIGEST_LENGTH > hashes.length
    ) {
      throw new TallyError(
        'INTERNAL',
        `no complete run [${offset}, ${offset + count}) in a tile of width ${this.width}`,
      );
    }
    return Buffer.from(hashes.subarray(at * DIGEST_LENGTH, (at + 1) * DIGEST_LENGTH));
  }
}
