import type { Logger } from 'pino';
import { BoundedTtlMap } from '../collections/bounded-ttl-map.js';
import type { DecideConfig } from '../config/types.js';
import { sha256 } from '../crypto/sha256.js';
import { evaluateChain, type Policy } from '../policy/index.js';
import { KeyHashes } from '../verify/key-hashes.js';
import type { Decision, Vote } from '../vote/vote.js';
import type { VotingLog } from './voting-log.js';

export interface DecideOptions {
  /** Ask the logs again instead of answering from the cache. */
  bypassCache?: boolean;
}

/** What the decider tells as it works, e.g. to count it; the decider itself knows no metrics. */
export interface DecideObserver {
  /** A decision was returned: made for this request (`fresh`), or reused from the cache or a request in flight. */
  decided(decision: Decision, fresh: boolean): void;
  /** A policy of the chain failed (an error, a malformed result) or was stopped by a limit. */
  policyFailed(policy: string, stopped: boolean): void;
}

/** Asks every voting log in parallel for its verified vote, runs the policy chain, fetches the value. */
export class Decider {
  /** Decisions by key (hex), reused for decide.cache_ttl_seconds. */
  private readonly cache: BoundedTtlMap<string, Decision>;
  /** Decisions in flight by key, so concurrent requests for one key ask the logs once. */
  private readonly inFlight = new Map<string, Promise<Decision>>();
  private readonly onPolicyFailure: ((policy: string, stopped: boolean) => void) | undefined;
  private nextCarrier = 0;

  constructor(
    /** Followed logs, and this node's own when it votes (decide.local_log_votes). */
    private readonly logs: readonly VotingLog[],
    private readonly chain: readonly Policy[],
    config: DecideConfig,
    private readonly logger: Logger,
    private readonly observer?: DecideObserver,
  ) {
    this.cache = new BoundedTtlMap(config.cacheTtlSeconds * 1000, config.cacheMaxEntries);
    this.onPolicyFailure = observer && ((policy, stopped) => observer.policyFailed(policy, stopped));
  }

  async decide(key: Buffer, options: DecideOptions = {}): Promise<Decision> {
    const cacheKey = key.toString('hex');
    if (!options.bypassCache) {
      const cached = this.cache.get(cacheKey);
      if (cached) return this.reused(cached);
      const pending = this.inFlight.get(cacheKey);
      if (pending) return this.reused(await pending);
    }
    const run = this.decideNow(key).finally(() => {
      if (this.inFlight.get(cacheKey) === run) this.inFlight.delete(cacheKey);
    });
    this.inFlight.set(cacheKey, run);
    const decision = await run;
    this.cache.set(cacheKey, decision);
    this.observer?.decided(decision, true);
    return decision;
  }

  private reused(decision: Decision): Decision {
    this.observer?.decided(decision, false);
    return decision;
  }

  private async decideNow(key: Buffer): Promise<Decision> {
    const hashes = new KeyHashes(key); // the logs' answers about one key share its hashes
    // One log's answer carries the value, taking turns so no log serves every value; when that log
    // does not agree, fetchValue asks an agreeing one by digest (docs/decisions.md).
    const carrier = this.valueCarrier();
    const votes = await Promise.all(this.logs.map((log) => log.verifiedLookup(key, hashes, log === carrier)));
    const decision = evaluateChain(this.chain, votes, this.onPolicyFailure);
    if (!decision.decided) return decision;
    const value = await this.fetchValue(decision);
    if (value === undefined) {
      this.logger.warn({ digest: decision.digest }, 'decided, but no agreeing log served the value');
      return undecidedForMissingValue(decision);
    }
    decision.value = value;
    return decision;
  }

  /** The next log in turn to carry a decision's value: one that is not compromised, if any. */
  private valueCarrier(): VotingLog | undefined {
    const count = this.logs.length;
    for (let tried = 0; tried < count; tried++) {
      const log = this.logs[this.nextCarrier++ % count]!;
      if (!log.compromised) return log;
    }
    return undefined;
  }

  /** The value from an agreeing vote (already checked), else by digest from an agreeing log, checked here. */
  private async fetchValue(decision: Decision): Promise<Buffer | undefined> {
    const carried = decision.agreeing.find((vote) => vote.value !== undefined)?.value;
    if (carried) return carried;
    const digest = Buffer.from(decision.digest!, 'hex');
    for (const vote of decision.agreeing) {
      const value = await this.valueFrom(vote, digest).catch(() => undefined);
      if (value && sha256(value).equals(digest)) return value;
    }
    return undefined;
  }

  private valueFrom(vote: Vote, digest: Buffer): Promise<Buffer | undefined> {
    const log = this.logs.find((l) => l.id === vote.logId);
    return log ? log.value(digest) : Promise.resolve(undefined);
  }
}

/** The same decision without a value, for when no agreeing log could serve it. */
function undecidedForMissingValue(decision: Decision): Decision {
  return {
    ...decision,
    decided: false,
    digest: undefined,
    confidence: 0,
    dissenting: [...decision.agreeing, ...decision.dissenting],
    agreeing: [],
    reason: `${decision.policy} decided ${decision.digest}, but no agreeing log served a value with that digest`,
  };
}
