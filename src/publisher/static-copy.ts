import type { Logger } from 'pino';
import { verifyCheckpoint } from '../checkpoint/checkpoint.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { TallyError } from '../errors.js';
import type { LogStore } from '../store/log-store.js';
import { CHECKPOINT_PATH, logResourcePath, resourcesAddedBetween, type LogResource } from '../tiles/index.js';
import { checkpointBytes, readLogResource } from './log-resources.js';
import { forkProblem } from './published-head.js';
import type { StaticTarget } from './static-target.js';
import { BackgroundRetry } from './background-retry.js';

/** Signed sizes made durable per step of a catch-up: a crash loses at most one step's work. */
const SIZES_PER_STEP = 256;
/** Resource writes in flight at once. */
const WRITES_AT_ONCE = 8;

/** What the metrics show of a static copy. */
export interface StaticCopyStatus {
  kind: string;
  /** The size of the checkpoint the copy holds; undefined until it has been read. */
  size: number | undefined;
  /** Whether the last attempt failed (it is being retried). */
  failing: boolean;
  /** Attempts that failed since the daemon started. */
  failures: number;
}

/**
 * Keeps a static copy of a published log (StaticTarget) up to date, off the submission path: a
 * commit only notifies it. It writes every resource that is new since the copy's checkpoint, for
 * every size the log signed in between (the daemon serves a partial tile at each), then makes them
 * durable, then writes the checkpoint; so a reader never sees a checkpoint whose tiles are missing.
 * The copy's own checkpoint says where it is, so a restart catches up from there. A failing
 * target is logged and retried with a growing delay; it never fails a submission or the daemon.
 */
export class StaticCopy extends BackgroundRetry {
  /** The copy's checkpoint (size 0 and no note while it holds none); read from the target first. */
  private published: { size: number; note: string | undefined } | undefined;

  constructor(
    private readonly store: LogStore,
    readonly target: StaticTarget,
    private readonly log: {
      publicKey: PublicKey;
      origin: string;
      /** The checkpoint note as served: the log's, with the witnesses' cosignatures of it. */
      served?: (note: string) => string;
    },
    private readonly logger: Logger,
  ) {
    super();
  }

  get status(): StaticCopyStatus {
    return {
      kind: this.target.kind,
      size: this.published?.size,
      failing: this.failing,
      failures: this.failures,
    };
  }

  protected failed(err: Error, retryInMs: number): void {
    this.logger.error({ err, target: this.target.description, retryInMs }, 'static publishing failed');
  }

  /** Brings the copy up to the current head. */
  protected async runOnce(): Promise<void> {
    const head = this.store.getHead();
    const headSize = head.checkpoint.size;
    // A cosignature arriving for the head changes the served note: the checkpoint is rewritten.
    const headNote = this.log.served?.(head.note) ?? head.note;
    let published = this.published ?? (await this.readPublished());
    this.published = published;
    while (!this.stopped && published.note !== headNote) {
      const from = published.size;
      const sizes: number[] =
        from < headSize
          ? await this.store.signedSizesWithin(from + 1, headSize + 1, SIZES_PER_STEP)
          : [headSize];
      let previous = from;
      const resources = sizes.flatMap((size) => {
        const added = resourcesAddedBetween(previous, size);
        previous = size;
        return added;
      });
      await this.writeAll(resources);
      if (this.stopped) return;
      await this.target.sync();
      const size = sizes.at(-1)!;
      const note = size === headSize ? headNote : this.store.getCheckpointAt(size);
      if (note === undefined) throw new TallyError('INTERNAL', `the checkpoint at size ${size} is missing`);
      await this.target.write(CHECKPOINT_PATH, checkpointBytes(note));
      await this.target.sync();
      this.published = published = { size, note };
    }
  }

  private async writeAll(resources: LogResource[]): Promise<void> {
    for (let i = 0; i < resources.length && !this.stopped; i += WRITES_AT_ONCE) {
      await Promise.all(resources.slice(i, i + WRITES_AT_ONCE).map((r) => this.writeResource(r)));
    }
  }

  private async writeResource(resource: LogResource): Promise<void> {
    const path = logResourcePath(resource);
    const bytes = await readLogResource(this.store, resource);
    if (bytes === undefined) throw new TallyError('INTERNAL', `the log has no ${path}, which it signed`);
    await this.target.write(path, bytes);
  }

  /**
   * Where the copy is: its checkpoint, if it verifies under the log's key and the stored log extends
   * it. A checkpoint that does not verify is no progress (the copy is rewritten from the start); one
   * the log does not extend is never overwritten, since that would show readers a fork.
   */
  private async readPublished(): Promise<{ size: number; note: string | undefined }> {
    const note = await this.target.readCheckpoint();
    if (note === undefined) return { size: 0, note: undefined };
    let checkpoint;
    try {
      checkpoint = verifyCheckpoint(note, this.log.publicKey, this.log.origin);
    } catch (err) {
      this.logger.warn(
        { err, target: this.target.description },
        "the static copy's checkpoint does not verify; rewriting the copy from the start",
      );
      return { size: 0, note: undefined };
    }
    const problem = forkProblem(this.store.getHead().checkpoint, checkpoint, (size) =>
      this.store.rootAt(size),
    );
    if (problem !== null) {
      throw new TallyError(
        'FAILED_PRECONDITION',
        `${this.target.description} holds a checkpoint this log does not extend (${problem}); not overwriting it`,
      );
    }
    return { size: checkpoint.size, note };
  }
}
