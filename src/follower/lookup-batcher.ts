import type { PublicClient } from '../api/client.js';
import { MAX_LOOKUP_KEYS_PER_CALL } from '../api/limits.js';
import { lookupAnswerOf } from '../api/lookup-answer.js';
import { TallyError, VerificationError } from '../errors.js';
import type { LookupAnswer } from '../verify/lookup-chain.js';

/**
 * Where a batch of lookups goes: one call for many keys, untrusted answers in request order (a
 * log's gRPC LookupMany, or its HTTP lookup endpoint). `withValue[i]`: whether key i's answer
 * should carry its value. Rejects with UNAVAILABLE when the log cannot be reached.
 */
export interface LookupTransport {
  lookupMany(keys: Buffer[], withValue: boolean[]): Promise<LookupAnswer[]>;
}

/** LookupMany of log `logId` over its gRPC API. */
export function grpcLookups(client: Pick<PublicClient, 'lookupMany'>, logId: string): LookupTransport {
  return {
    async lookupMany(keys, withValue) {
      const omitValue = withValue.some((w) => !w) ? withValue.map((w) => !w) : [];
      const response = await client.lookupMany({ logId, keys, omitValue });
      if (response.answers.length !== keys.length) {
        throw new VerificationError(`LookupMany: ${response.answers.length} answers for ${keys.length} keys`);
      }
      return response.answers.map((answer, i) => lookupAnswerOf(response.checkpoint, answer, !withValue[i]));
    },
  };
}

interface WaitingLookup {
  key: Buffer;
  /** Whether the answer should carry the key's value. */
  withValue: boolean;
  resolve(answer: LookupAnswer): void;
  reject(error: unknown): void;
}

/**
 * Shares lookup calls (LookupMany, or the HTTP lookup endpoint) among the lookups of concurrent
 * decisions to one log. A call's fixed cost, not the lookup itself, dominates a small Lookup, so
 * 64 decisions in flight cost a few calls per log instead of 64. One call per log is in flight at a time (more, smaller calls
 * measured slower: BENCHMARKS.md, "Deciding"). A key asked while no call is in flight goes out on
 * the next turn of the event loop, with every other key asked in the same turn; keys asked while
 * a call is in flight go out together when it returns, up to MAX_LOOKUP_KEYS_PER_CALL per call.
 * Answers are untrusted: the caller verifies each one on its own.
 */
export class LookupBatcher {
  private waiting: WaitingLookup[] = [];
  private callInFlight = false;
  private flushScheduled = false;

  constructor(private readonly transport: LookupTransport) {}

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
      const answers = await this.transport.lookupMany(
        batch.map((w) => w.key),
        batch.map((w) => w.withValue),
      );
      if (answers.length !== batch.length) {
        throw new VerificationError(`lookup: ${answers.length} answers for ${batch.length} keys`);
      }
      batch.forEach((waiting, i) => {
        const answer = answers[i]!;
        waiting.resolve(waiting.withValue ? answer : { ...answer, value: undefined });
      });
    } catch (err) {
      // An unreachable log or a call that ran out its deadline: the keys that queued behind it
      // fail now too, rather than wait out a second deadline on a log that is not answering.
      const queued = err instanceof TallyError && err.code === 'UNAVAILABLE' ? this.waiting.splice(0) : [];
      for (const waiting of [...batch, ...queued]) waiting.reject(err);
    }
  }
}
