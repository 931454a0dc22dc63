import fs from 'node:fs';
import { checkpointCopyFileOf } from '../config/state-paths.js';
import { verifyCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { TallyError } from '../errors.js';

/*
 * A builder must never fork its own log. Its database can go back while its key stays: a backup
 * restored, a database lost beside a kept key. Signing from there would give followers two
 * checkpoints that cannot both be honest, and they would mark the log compromised. So before it
 * publishes, the daemon compares its stored head with the newest checkpoint its key is known to
 * have published, from sources outside the database.
 */

/**
 * Somewhere that remembers the newest checkpoint a log published. Today: a copy in the state
 * directory (CheckpointCopy). Witnesses (a 409 answering with a larger size) and a followed mirror
 * of the log itself are further sources, behind this same interface.
 */
export interface PublishedHeadSource {
  /** What the source is, for the error message (for example the copy's file name). */
  readonly description: string;
  /** The newest checkpoint note this source knows for the log, or undefined. */
  latest(): Promise<string | undefined>;
}

/**
 * The latest signed checkpoint, kept outside LevelDB in `<stateDir>/logs/<logId>.checkpoint`,
 * replaced atomically (a temporary file, fsynced, renamed over it). A crash can leave it older than
 * the database, never newer, and never half-written.
 */
export class CheckpointCopy implements PublishedHeadSource {
  constructor(readonly file: string) {}

  static of(stateDir: string, logId: string): CheckpointCopy {
    return new CheckpointCopy(checkpointCopyFileOf(stateDir, logId));
  }

  get description(): string {
    return `the copy of the latest checkpoint in ${this.file}`;
  }

  async latest(): Promise<string | undefined> {
    try {
      return await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async write(note: string): Promise<void> {
    const temporary = `${this.file}.tmp`;
    const handle = await fs.promises.open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(note);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The directory is not fsynced: losing the rename in a power cut leaves the previous copy,
    // which is older, so it can only weaken the check, never refuse a sound database.
    await fs.promises.rename(temporary, this.file);
  }
}

/**
 * Why publishing from `stored` would fork the log that already published `published` (both
 * verified, same key), or null when `stored` extends it. `storedRootAt(size)` is the stored tree's
 * root at a size within it.
 */
export function forkProblem(
  stored: Checkpoint,
  published: Checkpoint,
  storedRootAt: (size: number) => Buffer,
): string | null {
  if (published.size > stored.size) {
    return `the stored log has size ${stored.size}, but this key already published a checkpoint of size ${published.size}`;
  }
  if (!storedRootAt(published.size).equals(published.logRoot)) {
    return `the stored log's tree at size ${published.size} is not the one this key already published at that size`;
  }
  return null;
}

/** What the daemon needs to check its own stored head before publishing. */
export interface OwnHeadCheck {
  logName: string;
  logId: string;
  publicKey: PublicKey;
  origin: string;
  databaseDir: string;
  keyFile: string;
}

/**
 * Throws FAILED_PRECONDITION (exit code 4) when any source knows a checkpoint that the stored log
 * does not extend, with what to do about it. A source's note that does not verify under the log's
 * key is refused as well: the check must not be silently skipped.
 */
export async function refuseToFork(
  stored: Checkpoint,
  storedRootAt: (size: number) => Buffer,
  sources: readonly PublishedHeadSource[],
  log: OwnHeadCheck,
): Promise<void> {
  for (const source of sources) {
    const note = await source.latest();
    if (note === undefined) continue;
    let published: Checkpoint;
    try {
      published = verifyCheckpoint(note, log.publicKey, log.origin);
    } catch (err) {
      throw new TallyError(
        'FAILED_PRECONDITION',
        `log ${log.logName} (${log.logId}): ${source.description} does not verify under this log's key: ` +
          `${(err as Error).message}. Restore it from the daemon's latest state, or remove it if you are sure ` +
          'the database holds the newest checkpoint this key published (docs/operations.md)',
      );
    }
    const problem = forkProblem(stored, published, storedRootAt);
    if (problem === null) continue;
    throw new TallyError(
      'FAILED_PRECONDITION',
      `refusing to publish log ${log.logName} (${log.logId}): ${problem} (${source.description}); ` +
        'signing from here would fork the log, and followers would mark it compromised. ' +
        `Restore the database ${log.databaseDir} from a copy at least that new. If it is lost, ` +
        `start a new log with a new key instead (move the key file ${log.keyFile} aside, or make one ` +
        "with 'tally keygen') and give followers its public key. See docs/operations.md",
    );
  }
}
