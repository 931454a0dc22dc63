import type { PublicClient } from '../api/client.js';
import { MAX_LOOKUP_KEYS_PER_CALL } from '../api/limits.js';
import { lookupAnswerOf } from '../api/lookup-answer.js';
import { TallyError, VerificationError } from '../errors.js';
import type { LookupAnswer } from '../verify/lookup-chain.js';

interface WaitingLookup {
  key: Buffer;
  /** Whether the answer should carry the key's value. */
  withValue: boolean;
  resolve(answer: LookupAnswer): void;
  reject(error: unknown): void;
}

/**
 * Shares LookupMany calls among the lookups of concurrent decisions to one log. gRPC's per-call
 * cost, not the lookup itself, dominates a small Lookup, so 64 decisions in flight cost a few
 * calls per log instead of 64. One call per log is in flight at a time (more, smaller calls
 * measured slower: BENCHMARKS.md, "Deciding"). A key asked while no call is in flight goes out on
 * the next turn of the event loop, with every other key asked in the same turn; keys asked while
 * a call is in flight go out together when it returns, up to MAX_LOOKUP_KEYS_PER_CALL per call.
 * Answers are untrusted: the caller verifies each one on its own.
 */
export class LookupBatcher {
  private waiting: WaitingLookup[] = [];
  private callInFlight = false;
  private flushScheduled = false;

  constructor(
    private readonly client: PublicClient,
    private readonly logId: string,
  ) {}

  /** The log's answer about `key`, with its value when `withValue` (and the key is present). */
  lookup(key: Buffer, withValue = true): Promise<LookupAnswer> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, withValue, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.callInFlight || this.waiting.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.callInFlight || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, MAX_LOOKUP_KEYS_PER_CALL);
    this.callInFlight = true;
    void this.send(batch).finally(() => {
      this.callInFlight = false;
      this.scheduleFlush();
    });
  }

  private async send(batch: WaitingLookup[]): Promise<void> {
    try {
      const omitValue = batch.some((w) => !w.withValue) ? batch.map((w) => !w.withValue) : [];
      const keys = batch.map((w) => w.key);
      const response = await this.client.lookupMany({ logId: this.logId, keys, omitValue });
      if (response.answers.length !== batch.length) {
        throw new VerificationError(
          `LookupMany: ${response.answers.length} answers for ${batch.length} keys`,
        );
      }
      batch.forEach((waiting, i) => {
        try {
          waiting.resolve(lookupAnswerOf(response.checkpoint, response.answers[i]!, !waiting.withValue));
        } catch (err) {
          waiting.reject(err);
        }
      });
    } catch (err) {
      // An unreachable log or a call that ran out its deadline: the keys that queued behind it
      // fail now too, rather than wait out a second deadline on a log that is not answering.
      const queued = err instanceof TallyError && err.code === 'UNAVAILABLE' ? this.waiting.splice(0) : [];
      for (const waiting of [...batch, ...queued]) waiting.reject(err);
    }
  }
}
