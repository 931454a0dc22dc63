import type { Logger } from 'pino';
import type { DecideConfig } from '../config/types.js';
import { BoundedTtlMap } from '../collections/bounded-ttl-map.js';
import { sha256 } from '../crypto/sha256.js';
import type { PublishedLog } from '../publisher/published-log.js';
import type { FollowedLog } from '../follower/index.js';
import { evaluateChain, type Policy } from '../policy/index.js';
import { KeyHashes } from '../verify/key-hashes.js';
import { followedBallot, localBallot } from './ballots.js';
import { decisionOf, policyVotes, undecidedForMissingValue } from './tally-votes.js';
import type { Ballot, Decision } from './types.js';

export interface DecideOptions {
  /** Ask the logs again instead of answering from the cache. */
  bypassCache?: boolean;
}

/** Gathers verified ballots from every voting log in parallel, runs the policy chain, fetches the value. */
export class Decider {
  /** Decisions by key (hex), reused for decide.cache_ttl_seconds. */
  private readonly cache: BoundedTtlMap<string, Decision>;
  /** Decisions in flight by key, so concurrent requests for one key ask the logs once. */
  private readonly inFlight = new Map<string, Promise<Decision>>();
  private nextCarrier = 0;

  constructor(
    private readonly followed: readonly FollowedLog[],
    /** Votes as "local" when set (decide.local_log_votes). */
    private readonly local: PublishedLog | undefined,
    private readonly chain: readonly Policy[],
    config: DecideConfig,
    private readonly logger: Logger,
  ) {
    this.cache = new BoundedTtlMap(config.cacheTtlSeconds * 1000, config.cacheMaxEntries);
  }

  async decide(key: Buffer, options: DecideOptions = {}): Promise<Decision> {
    const cacheKey = key.toString('hex');
    if (!options.bypassCache) {
      const cached = this.cache.get(cacheKey);
      if (cached) return cached;
      const pending = this.inFlight.get(cacheKey);
      if (pending) return pending;
    }
    const run = this.decideNow(key).finally(() => {
      if (this.inFlight.get(cacheKey) === run) this.inFlight.delete(cacheKey);
    });
    this.inFlight.set(cacheKey, run);
    const decision = await run;
    this.cache.set(cacheKey, decision);
    return decision;
  }

  private async decideNow(key: Buffer): Promise<Decision> {
    const hashes = new KeyHashes(key); // the logs' answers about one key share its hashes
    // One log's answer carries the value, taking turns so no log serves every value; when that log
    // does not agree, fetchValue asks an agreeing one by digest. Every log sending the value (up
    // to 64 KiB) cost each log a value read and the follower a copy per answer, for one value.
    const carrier = this.valueCarrier();
    const asks = this.followed.map((log) => followedBallot(log, key, hashes, log === carrier));
    if (this.local) asks.push(localBallot(this.local, key));
    const ballots = await Promise.all(asks);
    const decision = decisionOf(ballots, evaluateChain(this.chain, policyVotes(ballots)));
    if (!decision.decided) return decision;
    const value = await this.fetchValue(decision.digest!, ballots);
    if (value === undefined) {
      this.logger.warn(
        { digest: decision.digest!.toString('hex') },
        'decided, but no agreeing log served the value',
      );
      return undecidedForMissingValue(decision);
    }
    return { ...decision, value };
  }

  /** The next log in turn to carry a decision's value: one that is not compromised, if any. */
  private valueCarrier(): FollowedLog | undefined {
    const count = this.followed.length;
    for (let tried = 0; tried < count; tried++) {
      const log = this.followed[this.nextCarrier++ % count]!;
      if (!log.compromised) return log;
    }
    return undefined;
  }

  /** The value from an agreeing answer (already checked), else by digest from an agreeing log, checked here. */
  private async fetchValue(digest: Buffer, ballots: readonly Ballot[]): Promise<Buffer | undefined> {
    const agreeing = ballots.filter((b) => b.status === 'agrees' && b.digest!.equals(digest));
    const carried = agreeing.find((b) => b.value !== undefined)?.value;
    if (carried) return carried;
    for (const ballot of agreeing) {
      const value = await this.valueFrom(ballot.logId, digest).catch(() => undefined);
      if (value && sha256(value).equals(digest)) return value;
    }
    return undefined;
  }

  private async valueFrom(logId: string, digest: Buffer): Promise<Buffer | undefined> {
    if (this.local?.id === logId) return this.local.store.getValue(digest);
    const log = this.followed.find((l) => l.id === logId);
    return log ? (await log.client.getValue({ digest })).value : undefined;
  }
}
