import type { Logger } from 'pino';
import { TallyError } from '../errors.js';
import type { Entry } from '../entry/entry.js';
import type { Head, LogStore, SubmissionResult } from '../store/log-store.js';

export interface GroupCommitOptions {
  /** Most entries integrated in one LevelDB batch (one fsync, one signature). */
  maxBatchEntries: number;
  /** Extra wait to gather a larger batch; 0 commits as soon as the previous batch is done. */
  maxBatchDelayMs: number;
}

interface Pending {
  entries: Entry[];
  resolve(outcome: { results: SubmissionResult[]; head: Head }): void;
  reject(err: unknown): void;
}

/**
 * Group commit: concurrent submitters queue their entries; one integration at a time takes as
 * many queued requests as fit in a batch, so N concurrent callers share one fsync and one
 * checkpoint signature instead of paying for N. A request is never split across batches, and a
 * caller is answered only after its batch is durable and covered by the new signed checkpoint.
 */
export class GroupCommitPublisher {
  private readonly queue: Pending[] = [];
  private running = false;
  private stopping = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(
    private readonly store: LogStore,
    private readonly options: GroupCommitOptions,
    private readonly logger?: Logger,
    /** Told after each batch, once its callers are answered (static copies follow from there). */
    private readonly afterCommit?: () => void,
  ) {}

  get queuedEntries(): number {
    return this.queue.reduce((n, p) => n + p.entries.length, 0);
  }

  submit(entries: Entry[]): Promise<{ results: SubmissionResult[]; head: Head }> {
    if (this.stopping) return Promise.reject(new TallyError('UNAVAILABLE', 'the daemon is shutting down'));
    if (entries.length === 0) return Promise.resolve({ results: [], head: this.store.getHead() });
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      if (!this.running) this.start();
    });
  }

  /** Refuses new submissions and waits until every accepted one is committed (or failed). */
  async drain(): Promise<void> {
    this.stopping = true;
    await this.idle;
  }

  private start(): void {
    this.running = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        if (this.options.maxBatchDelayMs > 0 && this.queuedEntries < this.options.maxBatchEntries) {
          await new Promise((r) => setTimeout(r, this.options.maxBatchDelayMs));
        }
        const batch = this.takeBatch();
        await this.commit(batch);
      }
    } finally {
      this.running = false;
      this.markIdle();
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let count = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && count + next.entries.length > this.options.maxBatchEntries) break;
      batch.push(this.queue.shift()!);
      count += next.entries.length;
    }
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    const all = batch.flatMap((p) => p.entries);
    const started = performance.now();
    try {
      const { results, head } = await this.store.integrate(all);
      let offset = 0;
      for (const p of batch) {
        p.resolve({ results: results.slice(offset, offset + p.entries.length), head });
        offset += p.entries.length;
      }
      this.logger?.debug(
        {
          entries: all.length,
          requests: batch.length,
          size: head.checkpoint.size,
          ms: performance.now() - started,
        },
        'batch committed',
      );
    } catch (err) {
      // Nothing in this batch was acknowledged, so failing it loses no acknowledged data.
      this.logger?.error({ err, entries: all.length }, 'batch commit failed');
      for (const p of batch) p.reject(err);
    }
    // Also after a failure: the entries may be committed even though recording the checkpoint failed.
    this.afterCommit?.();
  }
}
