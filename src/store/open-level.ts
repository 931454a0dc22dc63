import fs from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { TallyError } from '../errors.js';

/**
 * Keys and values as bytes, for the log and mirror stores. Uncompressed: stored hashes do not
 * compress, and uncompressed tables are read straight from LevelDB's mmap, past the block cache, so
 * the other options stay at their defaults (BENCHMARKS.md, "Log core").
 */
const BYTES = { keyEncoding: 'buffer', valueEncoding: 'buffer', compression: false } as const;
const TEXT = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const;

/** Options a store may set beyond BYTES. */
export interface BytesLevelOptions {
  /**
   * Table files LevelDB keeps open (default 1,000). LevelDB mmaps each open table and unmaps it
   * only when the table leaves its cache, so this bounds the file-backed memory of a store whose
   * database keeps growing (docs/decisions.md).
   */
  maxOpenFiles?: number;
}

/** Opens the LevelDB at `dir` (created if missing) with byte keys and values. */
export function openBytesLevel(
  dir: string,
  what: string,
  options: BytesLevelOptions = {},
): Promise<ClassicLevel<Buffer, Buffer>> {
  fs.mkdirSync(dir, { recursive: true });
  return opened(new ClassicLevel<Buffer, Buffer>(dir, { ...BYTES, ...options }), dir, what);
}

/** Opens the LevelDB at `dir` (created if missing) with text keys and values. */
export function openTextLevel(dir: string, what: string): Promise<ClassicLevel<string, string>> {
  fs.mkdirSync(dir, { recursive: true });
  return opened(new ClassicLevel<string, string>(dir, TEXT), dir, what);
}

/** A store that cannot be opened (held by another process, corrupt, unreadable) is UNAVAILABLE, naming `what`. */
async function opened<Db extends { open(): Promise<void> }>(db: Db, dir: string, what: string): Promise<Db> {
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new TallyError('UNAVAILABLE', `cannot open ${what} at ${dir}: ${cause}`);
  }
  return db;
}
