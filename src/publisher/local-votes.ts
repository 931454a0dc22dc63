import type { Vote } from '../vote/vote.js';
import type { PublishedLog } from './published-log.js';

/** The name the local published log votes under (reserved in [[follow]]). */
export const LOCAL_LOG_NAME = 'local';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * This node's own log as a voter (decide.local_log_votes): it answers from its store directly,
 * its data being the one thing this node need not verify.
 */
export class LocalVotes {
  readonly id: string;
  readonly name = LOCAL_LOG_NAME;
  readonly compromised = false;

  constructor(private readonly log: PublishedLog) {
    this.id = log.id;
  }

  /** The local log's vote about `key`. Never throws. */
  async verifiedLookup(key: Buffer): Promise<Vote> {
    const base = { logId: this.id, logName: LOCAL_LOG_NAME, weight: 1 };
    try {
      const found = await this.log.store.lookup(key);
      const size = found.head.checkpoint.size;
      if (!found.entry) return { ...base, status: 'absent', digest: null, detail: `absent at size ${size}` };
      return {
        ...base,
        status: 'agrees',
        digest: found.entry.valueDigest.toString('hex'),
        value: found.value ?? undefined,
        detail: `entry ${found.entry.index} at size ${size}`,
      };
    } catch (err) {
      return { ...base, status: 'unavailable', digest: null, detail: messageOf(err) };
    }
  }

  async value(digest: Buffer): Promise<Buffer | undefined> {
    return this.log.store.getValue(digest);
  }
}
