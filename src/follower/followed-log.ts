import type { Logger } from 'pino';
import type { PublicClient } from '../api/client.js';
import { verifyCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import { defaultOrigin, logIdOf } from '../checkpoint/log-id.js';
import type { FollowConfig } from '../config/types.js';
import type { EvidenceRecord, StoredHead } from './evidence.js';
import type { FollowerStore } from './follower-store.js';
import { LookupBatcher, grpcLookups } from './lookup-batcher.js';
import type { KeyHashes } from '../verify/key-hashes.js';
import { checkpointNodesFor, verifyLookupAgainst, type CheckpointNodes } from '../verify/lookup-chain.js';
import type { Vote } from '../vote/vote.js';
import type { HttpLogSource } from '../api/http-log-source.js';
import type { FollowerTiles, StagedVerifier } from './follower-tiles.js';
import { TiledLogVerifier } from '../verify/tiled-log.js';
import { VerificationError } from '../errors.js';
import type { LogMirror } from './log-mirror.js';
import { auditMirror, type AuditOutcome } from './audit.js';
import { consistencyFailure, judgeHead, needsNoProof, type EvidenceKind } from './head-check.js';
import { checkWitnessQuorum, type WitnessQuorum } from '../witness/index.js';

/** healthy: latest head verified; unreachable: the last fetch failed; compromised: misbehaviour proven. */
export type FollowState = 'healthy' | 'unreachable' | 'compromised';

export interface VerifiedHead {
  checkpoint: Checkpoint;
  note: string;
  seenAtMs: number;
}

/** Where a checkpoint came from: GetHead promises the latest head, a Lookup may lag behind it. */
type Source = 'latest' | 'lookup';

/** Where a log followed over tlog-tiles ([[follow]] url) is read, and its kept verified tiles. */
export interface TilesOf {
  source: HttpLogSource;
  kept: FollowerTiles;
}

/** A mirrored log's copy ([[follow]] mirror = true; fetched over its TilesOf). */
export interface MirrorOf {
  mirror: LogMirror;
  /** Called as a catch-up stores entries (a progress bar, metrics). */
  onProgress?: (log: FollowedLog, stored: number, target: number) => void;
}

/** A cosignature stamped up to this far in the future still counts (the witness's clock may run ahead). */
const COSIGNATURE_CLOCK_SKEW_SECONDS = 300;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Verifiers of the latest checkpoints' trees kept per log: the head, and an answer's that lags or leads it. */
const RECENT_TREES = 3;
/** Entry indices of recent verified answers, by value digest, for fetching a value over tiles. */
const RECENT_DIGESTS = 4096;

/**
 * One followed log: its identity, its verified head and its state. Every change of the stored head
 * runs one at a time (a queue), so two answers racing each other cannot look like a rollback.
 */
export class FollowedLog {
  readonly id: string;
  readonly origin: string;
  state: FollowState = 'unreachable';
  reason = 'not polled yet';
  head: VerifiedHead | undefined;
  /** Failed polls in a row, for the backoff. */
  failures = 0;
  /** Lookups of this log (over gRPC, else over HTTP), shared among concurrent decisions (undefined for a mirror). */
  private readonly lookups: LookupBatcher | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last note verified by `verifiedCheckpoint` that is not the head, with what it signs. */
  private lastVerified: VerifiedHead | undefined;
  /** Nodes of verified lookups, for the latest checkpoint they were checked against. */
  private knownNodes: CheckpointNodes | undefined;
  /** Verifiers of recent checkpoints' trees over tiles, most recent last (see treeOf). */
  private readonly trees: { checkpoint: Checkpoint; verifier: StagedVerifier }[] = [];
  /** Entry index by value digest (hex) of recent agreeing answers, for `value` over tiles. */
  private readonly indexOfDigest = new Map<string, number>();
  /** The witnesses this log's checkpoints need ([[follow]] witnesses); undefined when none. */
  private readonly quorum: WitnessQuorum | undefined;
  /**
   * With witnesses: the latest accepted checkpoint with the quorum (a prefix of `head`, as every
   * accepted checkpoint is); seenAtMs is when the log's latest last carried the quorum.
   */
  witnessed: VerifiedHead | undefined;
  /** With witnesses: why the log's latest checkpoint does not count; '' when it carries the quorum. */
  private witnessProblem = '';

  constructor(
    readonly config: FollowConfig,
    /** The log's gRPC API; undefined without `address`. */
    readonly client: PublicClient | undefined,
    private readonly store: FollowerStore,
    private readonly logger: Logger,
    stored: StoredHead | undefined,
    evidence: EvidenceRecord[],
    /** The log's tlog-tiles (with `url`): its heads and consistency proofs come from there. */
    readonly tiles?: TilesOf,
    readonly mirrorOf?: MirrorOf,
    storedWitnessed?: StoredHead,
  ) {
    this.id = logIdOf(config.publicKey, config.protocol);
    this.origin = config.origin ?? defaultOrigin(this.id);
    // Lookups go over gRPC with `address`, else to the HTTP lookup endpoint under `url`.
    if (!mirrorOf && client) this.lookups = new LookupBatcher(grpcLookups(client, this.id));
    else if (!mirrorOf && tiles)
      this.lookups = new LookupBatcher({ lookupMany: (keys) => tiles.source.lookup(keys) });
    if (stored) {
      // Verified before it was stored; checked again so a tampered state directory cannot sneak in.
      this.head = { checkpoint: verifyCheckpoint(stored.note, config.publicKey, this.origin), ...stored };
    }
    const first = evidence[0];
    if (first) this.markCompromised(first);
    if (config.witnesses.length > 0) {
      this.quorum = { witnesses: config.witnesses, quorum: config.witnessQuorum };
      // Checked again against today's witness list: a witness dropped from it no longer counts.
      if (storedWitnessed && this.hasQuorum(storedWitnessed.note).met) {
        const checkpoint = verifyCheckpoint(storedWitnessed.note, config.publicKey, this.origin);
        this.witnessed = { checkpoint, ...storedWitnessed };
      }
    }
  }

  /** What ListLogs shows of the witnessing: nothing for a log that requires no witnesses. */
  witnessInfo(nowMs: number): {
    witnessedSize?: number;
    witnessedAgeSeconds?: number;
    witnessStatus: string;
  } {
    if (this.quorum === undefined) return { witnessStatus: '' };
    const limit = this.witnessedLimit(nowMs);
    const w = this.witnessed;
    return {
      witnessedSize: w?.checkpoint.size,
      witnessedAgeSeconds: w ? Math.max(0, Math.floor((nowMs - w.seenAtMs) / 1000)) : undefined,
      witnessStatus:
        'problem' in limit
          ? limit.problem
          : `witnessed at size ${limit.size} (quorum ${this.quorum.quorum} of ${this.quorum.witnesses.map((k) => k.name).join(', ')})` +
            (this.witnessProblem ? `; ${this.witnessProblem}` : ''),
    };
  }

  private hasQuorum(note: string) {
    const notAfter = Math.floor(Date.now() / 1000) + COSIGNATURE_CLOCK_SKEW_SECONDS;
    return checkWitnessQuorum(note, this.quorum!, { notAfter });
  }

  /**
   * With witnesses required: the size of the last witnessed checkpoint, which votes are answered
   * as of, or why the log cannot vote ("not witnessed: ..."). Without, undefined.
   */
  private witnessedLimit(nowMs = Date.now()): { size: number } | { problem: string } {
    const w = this.witnessed;
    const latest = this.witnessProblem ? `; ${this.witnessProblem}` : '';
    if (w === undefined) {
      return {
        problem: `not witnessed: no checkpoint of this log with the witness quorum seen yet${latest}`,
      };
    }
    const ageSeconds = Math.max(0, Math.floor((nowMs - w.seenAtMs) / 1000));
    const max = this.config.maxWitnessedAgeSeconds;
    if (ageSeconds > max) {
      return {
        problem: `not witnessed: the last witnessed checkpoint (size ${w.checkpoint.size}) last had the quorum as the log's latest ${ageSeconds} s ago, more than max_witnessed_age_seconds (${max})${latest}`,
      };
    }
    return { size: w.checkpoint.size };
  }

  get name(): string {
    return this.config.name;
  }

  get mirrorProgress():
    { mirrored: number; stored: number; audited: number; auditFailed: boolean } | undefined {
    const store = this.mirrorOf?.mirror.store;
    if (store === undefined) return undefined;
    return {
      mirrored: store.size,
      stored: store.storedSize,
      audited: store.auditedSize,
      auditFailed: this.lastAudit?.failure != null,
    };
  }

  get compromised(): boolean {
    return this.state === 'compromised';
  }

  /**
   * This log's vote about `key`, from its answer verified whole: checkpoint signature, map proof,
   * inclusion proof, value digest, then that the checkpoint is consistent with the stored head
   * (advancing it when newer). Any failure makes the vote unavailable: a tampered proof never
   * votes. The Lookup goes out in a LookupMany call shared with concurrent decisions; its deadline
   * is the log's request timeout. `hashes` are `key`'s, shared with the other logs' answers about
   * it; `withValue`: whether the answer should carry the value. Never throws.
   */
  async verifiedLookup(key: Buffer, hashes: KeyHashes, withValue: boolean): Promise<Vote> {
    // A compromised log stays in the electorate, never agreeing: its detail is its evidence's.
    if (this.compromised) return this.vote('compromised', this.reason);
    if (this.mirrorOf) return this.mirroredVote(key);
    try {
      const answer = await this.lookups!.lookup(key, withValue);
      const checkpoint = this.verifiedCheckpoint(answer.checkpointNote);
      const known = this.knownNodesFor(checkpoint);
      const verified = verifyLookupAgainst(checkpoint, answer, key, known, hashes);
      const problem = await this.anchor(verified.checkpoint, answer.checkpointNote);
      // This very answer may be what proved the log compromised.
      if (problem !== null)
        return this.compromised ? this.vote('compromised', this.reason) : this.vote('unavailable', problem);
      const size = verified.checkpoint.size;
      // With witnesses, only what the last witnessed checkpoint holds counts. The answer's tree and
      // the witnessed one are both prefixes of the head (or the head): an entry below the witnessed
      // size is in the witnessed tree, one past it is not witnessed.
      const limit = this.quorum ? this.witnessedLimit() : undefined;
      if (limit && 'problem' in limit) return this.vote('unavailable', limit.problem);
      const witnessedSize = limit && limit.size < size ? limit.size : undefined;
      if (!verified.present) return this.vote('absent', `proven absent at size ${size}`);
      if (witnessedSize !== undefined && verified.index >= witnessedSize) {
        return this.vote(
          'unavailable',
          `not witnessed: entry ${verified.index} is past the last witnessed checkpoint (size ${witnessedSize}); ${this.witnessProblem || `the answer's checkpoint (size ${size}) lacks the quorum`}`,
        );
      }
      const digest = verified.digest.toString('hex');
      this.rememberIndex(digest, verified.index);
      const at =
        witnessedSize === undefined
          ? `at size ${size}`
          : `at witnessed size ${witnessedSize} (answer at size ${size})`;
      return this.vote('agrees', `entry ${verified.index} ${at}`, digest, verified.value);
    } catch (err) {
      return this.vote('unavailable', messageOf(err));
    }
  }

  /**
   * The value with `digest` as the log serves it: unverified, the caller checks its hash. Without
   * gRPC, from the value bundle of the entry a recent answer placed it at (verified over tiles).
   */
  async value(digest: Buffer): Promise<Buffer | undefined> {
    if (this.mirrorOf) return this.mirrorOf.mirror.store.getValue(digest);
    if (this.client) return (await this.client.getValue({ digest })).value;
    const index = this.indexOfDigest.get(digest.toString('hex'));
    const head = this.head?.checkpoint;
    if (index === undefined || head === undefined || index >= head.size) return undefined;
    const verifier = this.treeOf(head);
    await verifier.commit(); // the head was accepted: what is verified through it may be kept
    return verifier.value(index);
  }

  private rememberIndex(digest: string, index: number): void {
    if (this.tiles === undefined || this.client) return;
    if (this.indexOfDigest.size >= RECENT_DIGESTS)
      this.indexOfDigest.delete(this.indexOfDigest.keys().next().value!);
    this.indexOfDigest.set(digest, index);
  }

  /**
   * The verifier of a signature-checked checkpoint's tree over this log's tiles, one per tree
   * (so its right edge is fetched once per checkpoint, not per key), reading through the kept
   * tiles. What it verifies is kept only once `accept` found the checkpoint consistent.
   */
  private treeOf(checkpoint: Checkpoint): StagedVerifier {
    const at = this.trees.findIndex(
      (t) => t.checkpoint.size === checkpoint.size && t.checkpoint.logRoot.equals(checkpoint.logRoot),
    );
    const found = at >= 0 ? this.trees.splice(at, 1)[0]! : undefined;
    const verifier =
      found?.verifier ?? this.tiles!.kept.verifierOf({ size: checkpoint.size, root: checkpoint.logRoot });
    this.trees.push({ checkpoint, verifier });
    if (this.trees.length > RECENT_TREES) this.trees.shift();
    return verifier;
  }

  /** Forgets the verifier of a tree that turned out not to extend the stored head. */
  private forgetTree(checkpoint: Checkpoint): void {
    const at = this.trees.findIndex((t) => t.checkpoint.logRoot.equals(checkpoint.logRoot));
    if (at >= 0) this.trees.splice(at, 1);
  }

  /**
   * The vote from the mirror, with no request to the log: every stored entry was verified
   * before it was stored, so the key's first entry (or its absence) at the mirror's head is the
   * log's answer as of that checkpoint. It counts while the log last confirmed a head consistent
   * with it at most max_checkpoint_age_seconds ago, offline or not.
   */
  private mirroredVote(key: Buffer): Vote {
    const { store } = this.mirrorOf!.mirror;
    const mirrored = store.head;
    // Without a witnessed checkpoint the mirror copies nothing: say why, not "catching up".
    const limit = this.quorum ? this.witnessedLimit() : undefined;
    if (limit && 'problem' in limit) return this.vote('unavailable', limit.problem);
    if (mirrored === undefined || this.head === undefined) {
      return this.vote('unavailable', `the mirror is catching up (${store.storedSize} entries so far)`);
    }
    const size = mirrored.checkpoint.size;
    const ageSeconds = Math.max(0, Math.floor((Date.now() - this.head.seenAtMs) / 1000));
    const asOf = `mirrored checkpoint of size ${size}, ${ageSeconds} s old`;
    if (ageSeconds > this.config.maxCheckpointAgeSeconds) {
      return this.vote(
        'unavailable',
        `${asOf}: older than max_checkpoint_age_seconds (${this.config.maxCheckpointAgeSeconds})`,
      );
    }
    const found = store.lookup(key);
    if (found === undefined) return this.vote('absent', `absent at size ${size} (${asOf})`);
    // A mirror copied before witnesses were required may hold more than the witnessed tree.
    if (limit && found.index >= limit.size) {
      return this.vote(
        'unavailable',
        `not witnessed: entry ${found.index} is past the last witnessed checkpoint (size ${limit.size})`,
      );
    }
    return this.vote(
      'agrees',
      `entry ${found.index} at size ${size} (${asOf})`,
      found.digest.toString('hex'),
      found.value,
    );
  }

  /** The log's latest checkpoint note: `<url>/checkpoint` with `url`, else over gRPC. */
  private async latestNote(): Promise<string> {
    if (this.tiles) return Buffer.from(await this.tiles.source.get({ kind: 'checkpoint' })).toString('utf8');
    return (await this.client!.getHead({ logId: this.id })).checkpoint;
  }

  /** A consistency proof from the log: from verified tiles with `url`, else over gRPC. */
  private async consistencyProof(smaller: Checkpoint, larger: Checkpoint): Promise<Buffer> {
    if (this.tiles) {
      try {
        return await this.treeOf(larger).consistencyProof(smaller.size);
      } catch (err) {
        if (!(err instanceof VerificationError)) throw err;
        // Kept tiles disagree with tiles of `larger`: it may be a fork. Its own tiles alone,
        // verified against its own root, give a proof that settles it (with evidence if so).
        this.forgetTree(larger);
        const own = new TiledLogVerifier({ size: larger.size, root: larger.logRoot }, this.tiles.source);
        return own.consistencyProof(smaller.size);
      }
    }
    const answer = await this.client!.getConsistencyProof({
      logId: this.id,
      fromSize: smaller.size,
      toSize: larger.size,
    });
    return answer.proof;
  }

  /**
   * Copies the log up to the verified head into the mirror, then audits what is new; a failed
   * copy leaves the log unreachable, a failed audit compromised.
   */
  private async catchUpMirror(): Promise<void> {
    const { mirror, onProgress } = this.mirrorOf!;
    // With witnesses the mirror copies only up to the last witnessed checkpoint.
    const head = this.quorum ? this.witnessed : this.head;
    if (head === undefined) return this.auditNow().then(() => undefined);
    try {
      await mirror.catchUp(head, (stored, target) => onProgress?.(this, stored, target));
    } catch (err) {
      this.setUnreachable(`mirroring up to size ${head.checkpoint.size}: ${messageOf(err)}`);
    }
    await this.auditNow();
  }

  /** The last audit's outcome of a mirror (undefined before the first, or for other logs). */
  lastAudit: AuditOutcome | undefined;

  /**
   * Audits the mirror up to its head (incrementally: what earlier audits checked stays checked).
   * A failure is stored as evidence and marks the log compromised. For other logs, throws.
   */
  audit(): Promise<AuditOutcome> {
    return this.exclusive(() => this.auditNow());
  }

  private async auditNow(): Promise<AuditOutcome> {
    const { store } = this.mirrorOf!.mirror;
    if (this.compromised && this.lastAudit?.failure) return this.lastAudit;
    const outcome = await auditMirror(store);
    this.lastAudit = outcome;
    const { failure } = outcome;
    if (failure !== null && !this.compromised) {
      await this.compromise(
        'audit',
        failure.note,
        `first wrong entry ${failure.firstBadIndex}: ${failure.detail}`,
      );
    }
    return outcome;
  }

  /** Fetches the log's latest head and accepts it if it verifies. Never throws: failures set the state. */
  poll(): Promise<void> {
    return this.exclusive(async () => {
      if (this.compromised) return;
      let note: string;
      let checkpoint: Checkpoint;
      try {
        note = await this.latestNote();
      } catch (err) {
        return this.setUnreachable(messageOf(err));
      }
      try {
        checkpoint = verifyCheckpoint(note, this.config.publicKey, this.origin);
      } catch (err) {
        return this.setUnreachable(`head does not verify: ${messageOf(err)}`);
      }
      const problem = await this.accept(checkpoint, note, 'latest');
      if (problem === null) this.setHealthy();
      else if (!this.compromised) this.setUnreachable(problem);
      if (problem === null && this.mirrorOf) await this.catchUpMirror();
    });
  }

  /** A vote of this log, built in one object literal: a decision makes one per log. */
  private vote(status: Vote['status'], detail: string, digest: string | null = null, value?: Buffer): Vote {
    const { id: logId, name: logName } = this;
    return { logName, logId, weight: this.config.weight, status, digest, detail, value };
  }

  /**
   * The checkpoint a note signs, verified against this log's key and origin. A note equal to one
   * already verified (the stored head, or the last note seen here) is not verified again: the same
   * bytes under the same key verify the same way, and most answers carry the unchanged head.
   * Throws VerificationError when the note does not verify.
   */
  private verifiedCheckpoint(note: string): Checkpoint {
    if (this.head?.note === note) return this.head.checkpoint;
    if (this.lastVerified?.note === note) return this.lastVerified.checkpoint;
    const checkpoint = verifyCheckpoint(note, this.config.publicKey, this.origin);
    this.lastVerified = { checkpoint, note, seenAtMs: Date.now() };
    return checkpoint;
  }

  /**
   * The verified nodes of a verified checkpoint's trees, shared by every lookup checked against it;
   * a checkpoint with other roots starts new sets (one pair is kept: answers lag the head rarely,
   * and then only briefly).
   */
  private knownNodesFor(checkpoint: Checkpoint): CheckpointNodes {
    const current = this.knownNodes;
    if (
      current &&
      current.map.root.equals(checkpoint.mapRoot) &&
      current.log.root.equals(checkpoint.logRoot)
    ) {
      return current;
    }
    return (this.knownNodes = checkpointNodesFor(checkpoint));
  }

  /**
   * Makes sure a checkpoint a Lookup was verified against (signature already checked) is consistent
   * with the stored head, advancing the stored head when it is newer. Returns null when it is, else
   * why the answer cannot count (the log may now be compromised).
   */
  private anchor(checkpoint: Checkpoint, note: string): Promise<string | null> {
    // The common case, an answer against the stored head, needs no turn in the queue.
    if (!this.compromised && this.head?.note === note) {
      this.head.seenAtMs = Date.now();
      if (this.state === 'unreachable') this.setHealthy();
      return Promise.resolve(null);
    }
    return this.exclusive(async () => {
      const problem = await this.accept(checkpoint, note, 'lookup');
      if (problem === null && this.state === 'unreachable') this.setHealthy();
      return problem;
    });
  }

  /**
   * Clears the compromised mark, for when the log's operator has restored the right data; the
   * caller keeps the evidence. The stored head stays: the next poll judges the log against it
   * again, so a log that still rolls back is marked again. Resolves false when it was not marked.
   */
  clearCompromise(): Promise<boolean> {
    return this.exclusive(() => {
      if (!this.compromised) return Promise.resolve(false);
      this.state = 'unreachable';
      this.reason = 'reset by the operator; not polled yet';
      this.failures = 0;
      return Promise.resolve(true);
    });
  }

  /** Resolves once every queued head change is done. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /**
   * The one place a checkpoint (signature verified) is accepted, from a poll or a lookup: it must
   * be consistent with the stored head (which it may advance); then, with witnesses required, it
   * becomes the witnessed checkpoint when it carries the quorum. Null when consistent, else why not.
   */
  private async accept(checkpoint: Checkpoint, note: string, source: Source): Promise<string | null> {
    const problem = await this.acceptConsistent(checkpoint, note, source);
    if (problem === null && this.quorum) await this.judgeWitnessed(checkpoint, note, source);
    return problem;
  }

  /** Counts an accepted checkpoint's cosignatures: the witnessed checkpoint only ever grows. */
  private async judgeWitnessed(checkpoint: Checkpoint, note: string, source: Source): Promise<void> {
    const check = this.hasQuorum(note);
    if (!check.met) {
      if (source === 'latest')
        this.witnessProblem = `the latest checkpoint (size ${checkpoint.size}) lacks the witness quorum: ${check.reason}`;
      return;
    }
    const current = this.witnessed;
    const now = Date.now();
    if (current === undefined || checkpoint.size > current.checkpoint.size) {
      await this.store.putWitnessed(this.id, { note, seenAtMs: now });
      this.witnessed = { checkpoint, note, seenAtMs: now };
    } else if (checkpoint.size === current.checkpoint.size && source === 'latest') {
      current.seenAtMs = now;
    }
    if (source === 'latest') this.witnessProblem = '';
  }

  private async acceptConsistent(
    checkpoint: Checkpoint,
    note: string,
    source: Source,
  ): Promise<string | null> {
    if (this.compromised) return `compromised: ${this.reason}`;
    const stored = this.head;
    const judgement = judgeHead(stored?.checkpoint, checkpoint);
    switch (judgement.kind) {
      case 'first':
        await this.storeHead(checkpoint, note);
        return null;
      case 'same':
        stored!.seenAtMs = Date.now();
        // The same checkpoint with other cosignatures (a builder adds witnesses' lines as they
        // arrive): keep the latest bytes, so answers carrying them take anchor's fast path
        // instead of a queue turn and a quorum check each.
        stored!.note = note;
        return null;
      case 'misbehaved':
        return this.compromise(judgement.evidence, note, judgement.detail);
      case 'newer':
        return this.checkConsistency(stored!.checkpoint, checkpoint, note, async () => {
          await this.storeHead(checkpoint, note);
          return null;
        });
      case 'older':
        if (source === 'latest') {
          return this.compromise(
            'rollback',
            note,
            `the log's head has size ${checkpoint.size}, below the size ${stored!.checkpoint.size} it already signed`,
          );
        }
        // A Lookup answered from an older head is fine if that head is a prefix of the stored one.
        return this.checkConsistency(checkpoint, stored!.checkpoint, note, () => Promise.resolve(null));
    }
  }

  private async checkConsistency(
    smaller: Checkpoint,
    larger: Checkpoint,
    note: string,
    onConsistent: () => Promise<string | null>,
  ): Promise<string | null> {
    let proof: Buffer = Buffer.alloc(0);
    if (!needsNoProof(smaller, larger)) {
      try {
        proof = await this.consistencyProof(smaller, larger);
      } catch (err) {
        return `cannot get a consistency proof from size ${smaller.size} to ${larger.size}: ${messageOf(err)}`;
      }
    }
    const failure = consistencyFailure(smaller, larger, proof);
    if (failure !== null) {
      if (this.tiles) this.forgetTree(larger);
      return this.compromise('inconsistent', note, failure);
    }
    // Both trees are now the log's: the tiles the proof was read from may be kept.
    if (this.tiles) await this.treeOf(larger).commit();
    return onConsistent();
  }

  private async storeHead(checkpoint: Checkpoint, note: string): Promise<void> {
    const head = { checkpoint, note, seenAtMs: Date.now() };
    await this.store.putHead(this.id, { note, seenAtMs: head.seenAtMs });
    this.head = head;
  }

  private async compromise(kind: EvidenceKind, note: string, detail: string): Promise<string> {
    const record: EvidenceRecord = {
      logId: this.id,
      kind,
      detectedAtUnix: Math.floor(Date.now() / 1000),
      oldCheckpoint: this.head?.note ?? '',
      newCheckpoint: note,
      detail,
    };
    await this.store.addEvidence(record);
    this.markCompromised(record);
    this.logger.error(
      { log: this.name, logId: this.id, kind, detail },
      'followed log is compromised; it no longer votes',
    );
    return `compromised: ${this.reason}`;
  }

  private markCompromised(record: EvidenceRecord): void {
    this.state = 'compromised';
    this.reason = `${record.kind}: ${record.detail}`;
  }

  private setHealthy(): void {
    if (this.state !== 'healthy')
      this.logger.info({ log: this.name, size: this.head?.checkpoint.size }, 'followed log is healthy');
    this.state = 'healthy';
    this.reason = '';
    this.failures = 0;
  }

  private setUnreachable(reason: string): void {
    if (this.state !== 'unreachable' || this.failures === 0) {
      this.logger.warn({ log: this.name, reason }, 'followed log is unreachable; retrying with backoff');
    }
    this.state = 'unreachable';
    this.reason = reason;
    this.failures++;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
