import fs from 'node:fs';
import path from 'node:path';
import { rejectedSpoolDirOf } from '../config/state-paths.js';
import {
  decodeSpoolFile,
  MAX_SPOOL_FILE_BYTES,
  SPOOL_SUFFIX,
  type SpooledSubmission,
} from '../api/spool-file.js';
import { InvalidArgumentError } from '../errors.js';

/* The daemon's side of the spool (format: api/spool-file.ts): finding, reading and setting aside files. */

/** Names of the spooled files waiting to be ingested (not temp files, not rejected/), unsorted. */
function spoolFileNames(spoolDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(spoolDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => n.endsWith(SPOOL_SUFFIX) && !n.startsWith('.'));
}

/** The spooled files waiting to be ingested, oldest first. */
export function listSpoolFiles(spoolDir: string): string[] {
  return spoolFileNames(spoolDir)
    .sort()
    .map((n) => path.join(spoolDir, n));
}

/** How many spooled files wait (the spool depth), read without opening them. */
export function countSpoolFiles(spoolDir: string): number {
  return spoolFileNames(spoolDir).length;
}

export function readSpoolFile(file: string): SpooledSubmission {
  const size = fs.statSync(file).size;
  if (size > MAX_SPOOL_FILE_BYTES)
    throw new InvalidArgumentError(`spool file is ${size} bytes, more than ${MAX_SPOOL_FILE_BYTES}`);
  return decodeSpoolFile(fs.readFileSync(file, 'utf8'));
}

/** Moves a file the daemon will not retry into rejected/ (kept for the operator). */
export function rejectSpoolFile(file: string): string {
  const dir = rejectedSpoolDirOf(path.dirname(file));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = path.join(dir, path.basename(file));
  fs.renameSync(file, target);
  return target;
}
