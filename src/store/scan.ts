import type { ClassicLevel } from 'classic-level';

// Entries fetched per iterator call: large enough to amortise the native round trip.
const SCAN_CHUNK = 1024;

type Range = { gte: Buffer; lt: Buffer };

/** Calls `visit` for every entry in [gte, lt), in key order, fetching entries in chunks. */
export async function scanRange(
  db: ClassicLevel<Buffer, Buffer>,
  range: Range,
  visit: (key: Buffer, value: Buffer) => void,
): Promise<void> {
  await scan(db.iterator(range), visit);
}

interface ChunkedIterator {
  nextv(size: number): Promise<[Buffer, Buffer][]>;
  close(): Promise<void>;
}

async function scan(iterator: ChunkedIterator, visit: (key: Buffer, value: Buffer) => void): Promise<void> {
  try {
    for (;;) {
      const entries = await iterator.nextv(SCAN_CHUNK);
      if (entries.length === 0) return;
      for (const [key, value] of entries) visit(key, value);
    }
  } finally {
    await iterator.close();
  }
}
