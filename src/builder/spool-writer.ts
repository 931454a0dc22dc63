import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodeSpoolFile, SPOOL_SUFFIX, type SpooledSubmission } from '../api/spool-file.js';

/* The builder's side of the spool (format: api/spool-file.ts): writing one submission durably. */

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
