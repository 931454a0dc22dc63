import type { ResourceBytes } from './log-resources.js';

/**
 * Where a static copy of a published log goes (a directory, an S3 bucket), addressed by the paths
 * under the log's URL prefix (`checkpoint`, `tile/0/000`, ...).
 */
export interface StaticTarget {
  /** What kind of target it is, for metrics: `static`, `s3`. */
  readonly kind: string;
  /** Where it is, for messages. */
  readonly description: string;
  /** The checkpoint note the copy holds, or undefined when it holds none. */
  readCheckpoint(): Promise<string | undefined>;
  /** Writes one resource whole: a reader sees the old bytes or the new, never a part. */
  write(path: string, bytes: ResourceBytes): Promise<void>;
  /** Makes every write so far durable, so a checkpoint written after it never outlives its tiles. */
  sync(): Promise<void>;
}
