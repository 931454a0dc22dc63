import { nextPollDelayMs } from '../follower/backoff.js';

/**
 * Runs one background job, off the submission path, whenever it is notified: one run at a time,
 * and a notification during a run makes one more run due. A failing run is retried with a growing
 * delay (1 s doubling, at most 5 minutes). Static copies and witness submitters are such jobs.
 */
export abstract class BackgroundRetry {
  private running: Promise<void> | undefined;
  private again = false;
  private stoppedFlag = false;
  private failuresInARow = 0;
  private failureCount = 0;
  private cancelPause: (() => void) | undefined;

  /** One run of the job. */
  protected abstract runOnce(): Promise<void>;

  /** Told of each failed run, with the delay before the retry (for logs and status). */
  protected abstract failed(err: Error, retryInMs: number): void;

  /** Told of each run that succeeded. */
  protected succeeded(): void {}

  /** Whether stop() was called; jobs check it between steps. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Whether the last run failed (it is being retried). */
  get failing(): boolean {
    return this.failuresInARow > 0;
  }

  /** Runs that failed since the daemon started. */
  get failures(): number {
    return this.failureCount;
  }

  /** Runs the job soon (a static copy catches up, a witness is sent the head); returns at once. */
  notify(): void {
    if (this.stoppedFlag) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => (this.running = undefined));
  }

  /** Stops after the run in progress (a retry wait is cut short). */
  async stop(): Promise<void> {
    this.stoppedFlag = true;
    this.cancelPause?.();
    await this.running;
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.runOnce();
        this.failuresInARow = 0;
        this.succeeded();
      } catch (err) {
        this.failureCount++;
        this.failuresInARow++;
        const delayMs = nextPollDelayMs(0, this.failuresInARow, Math.random());
        this.failed(err as Error, delayMs);
        await this.pause(delayMs);
        this.again = true;
      }
    } while (this.again && !this.stoppedFlag);
  }

  private pause(ms: number): Promise<void> {
    if (this.stoppedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
