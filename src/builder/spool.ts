import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { Entry } from '../entry/entry.js';

/*
 * The spool: submissions the post-build hook could not hand to the daemon. One JSON file per
 * submission in <stateDir>/spool/, written atomically (temp file, fsync, rename, fsync of the
 * directory) so the daemon never reads half a file and a crash never loses an acknowledged one.
 *
 *   {"version":1,"logId":"","entries":[{"key":"<hex>","value":"<base64>"}]}
 *
 * Temp files start with "." and are never ingested. The daemon moves files it cannot use to
 * spool/rejected/ so they are kept for inspection but never retried.
 */
export const SPOOL_VERSION = 1;
export const SPOOL_SUFFIX = '.json';
/** A spool file is one hook's submission: a handful of outputs; anything bigger is not ours. */
const MAX_SPOOL_FILE_BYTES = 16 * 1024 * 1024;

export interface SpooledSubmission {
  logId: string;
  entries: Entry[];
}

export function spoolDirOf(stateDir: string): string {
  return path.join(stateDir, 'spool');
}

export function rejectedDirOf(spoolDir: string): string {
  return path.join(spoolDir, 'rejected');
}

export function encodeSpoolFile(submission: SpooledSubmission): string {
  return JSON.stringify({
    version: SPOOL_VERSION,
    logId: submission.logId,
    entries: submission.entries.map((e) => ({
      key: e.key.toString('hex'),
      value: e.value.toString('base64'),
    })),
  });
}

function decodeBytes(text: unknown, encoding: 'hex' | 'base64', what: string): Buffer {
  const pattern = encoding === 'hex' ? /^([0-9a-f]{2})+$/ : /^[A-Za-z0-9+/]+={0,2}$/;
  if (typeof text !== 'string' || !pattern.test(text))
    throw new InvalidArgumentError(`${what} is not ${encoding}`);
  return Buffer.from(text, encoding);
}

export function decodeSpoolFile(text: string): SpooledSubmission {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('spool file is not JSON');
  }
  const o = json as { version?: unknown; logId?: unknown; entries?: unknown } | null;
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('spool file is not a JSON object');
  if (o.version !== SPOOL_VERSION)
    throw new InvalidArgumentError(`spool file version ${String(o.version)} is not ${SPOOL_VERSION}`);
  if (typeof o.logId !== 'string') throw new InvalidArgumentError('spool file logId is not a string');
  if (!Array.isArray(o.entries) || o.entries.length === 0)
    throw new InvalidArgumentError('spool file has no entries');
  const entries = o.entries.map((e: { key?: unknown; value?: unknown }, i: number) => ({
    key: decodeBytes(e?.key, 'hex', `entries[${i}].key`),
    value: decodeBytes(e?.value, 'base64', `entries[${i}].value`),
  }));
  return { logId: o.logId, entries };
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes one submission durably; returns the file's path. Run as root (nix-daemon runs the
 * post-build hook as root on a multi-user install), the spool directory and file are given to the
 * owner of the state directory, or the daemon, running as its own user, could not read them.
 */
export function writeSpoolFile(spoolDir: string, submission: SpooledSubmission): string {
  const owner = spoolOwner(spoolDir);
  fs.mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  if (owner) fs.chownSync(spoolDir, owner.uid, owner.gid);
  // Time first so files sort (and are ingested) roughly in the order they were spooled.
  const name = `${Date.now().toString().padStart(15, '0')}-${crypto.randomBytes(6).toString('hex')}`;
  const temp = path.join(spoolDir, `.${name}.tmp`);
  const final = path.join(spoolDir, name + SPOOL_SUFFIX);
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
    fs.writeSync(fd, encodeSpoolFile(submission));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, final);
  fsyncDir(spoolDir);
  return final;
}

/** Who must own spool files: the state directory's owner, when we are root and it is not. */
function spoolOwner(spoolDir: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path.dirname(spoolDir));
  } catch {
    return undefined; // no state directory yet: mkdir makes it, as root, like before
  }
  return stat.uid === 0 ? undefined : { uid: stat.uid, gid: stat.gid };
}

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
  const dir = rejectedDirOf(path.dirname(file));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = path.join(dir, path.basename(file));
  fs.renameSync(file, target);
  return target;
}
