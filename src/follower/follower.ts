import type { Logger } from 'pino';
import { connectPublic } from '../api/client.js';
import { logIdOf } from '../checkpoint/log-id.js';
import type { LogInfo } from '../api/gen/tally/v1/node.js';
import { formatHostPort } from '../config/address.js';
import { followerStoreDirOf, mirrorDirOf, r13yIndexDirOf } from '../config/state-paths.js';
import { defaultOrigin } from '../checkpoint/log-id.js';
import { HttpLogSource } from '../api/http-log-source.js';
import { MirrorStore } from '../store/mirror-store.js';
import { R13yIndex } from '../store/r13y-index.js';
import { LogMirror } from './log-mirror.js';
import type { FollowConfig } from '../config/types.js';
import { formatPublicKey } from '../crypto/ed25519-keys.js';
import { TallyError } from '../errors.js';
import { nextPollDelayMs } from './backoff.js';
import type { EvidenceRecord } from './evidence.js';
import { FollowedLog, type FollowState, type MirrorOf, type TilesOf } from './followed-log.js';
import { FollowerTiles } from './follower-tiles.js';
import { FollowerStore } from './follower-store.js';

/** What `Follower.reset` did, and the log's state after the poll that followed. */
export interface ResetOutcome {
  wasCompromised: boolean;
  evidenceKept: number;
  state: FollowState;
  reason: string;
  headSize: number;
}

/** The followed logs: polls their heads on their intervals, backing off while they are unreachable. */
export class Follower {
  private readonly timers = new Map<FollowedLog, NodeJS.Timeout>();
  private readonly polling = new Set<Promise<void>>();
  private stopped = false;
  /** Feeds of the r13y index, one after another (each reads and rewrites the running tally). */
  private r13yFeeding: Promise<void> = Promise.resolve();

  private constructor(
    readonly logs: FollowedLog[],
    private readonly store: FollowerStore,
    private readonly logger: Logger,
    /** The reproducibility report over the mirrored logs; undefined when no log is mirrored. */
    readonly r13y: R13yIndex | undefined,
  ) {}

  /**
   * Opens `<stateDir>/follower` (and `<stateDir>/mirrors/<logId>` of each mirrored log) and
   * restores each log's stored head and evidence. Does not poll yet. `onMirrorProgress` hears of
   * every window a mirror's catch-up stores.
   */
  static async open(
    configs: FollowConfig[],
    stateDir: string,
    logger: Logger,
    onMirrorProgress?: MirrorOf['onProgress'],
  ): Promise<Follower> {
    const store = await FollowerStore.open(followerStoreDirOf(stateDir));
    const mirrors: MirrorStore[] = [];
    try {
      const heads = await store.heads();
      const witnessed = await store.witnessedHeads();
      const evidence = await store.allEvidence();
      const resets = await store.resets();
      const logs: FollowedLog[] = [];
      for (const config of configs) {
        const client =
          config.address &&
          connectPublic(formatHostPort(config.address), { deadlineMs: config.requestTimeoutMs });
        const id = logIdOf(config.publicKey, config.protocol);
        let tiles: TilesOf | undefined;
        if (config.url !== undefined) {
          const source = new HttpLogSource(config.url, { timeoutMs: config.requestTimeoutMs });
          tiles = { source, kept: new FollowerTiles(store, id, source) };
        }
        let mirrorOf: MirrorOf | undefined;
        if (config.mirror) {
          const origin = config.origin ?? defaultOrigin(id);
          const mirrorStore = await MirrorStore.open(mirrorDirOf(stateDir, id), config.publicKey, origin);
          mirrors.push(mirrorStore);
          mirrorOf = { mirror: new LogMirror(mirrorStore, tiles!.source), onProgress: onMirrorProgress };
        }
        // Evidence from before the operator's last reset is kept, but no longer marks the log.
        const ofLog = evidence.filter((e) => e.logId === id).slice(resets.get(id)?.clearedEvidence ?? 0);
        logs.push(
          new FollowedLog(
            config,
            client,
            store,
            logger.child({ component: 'follower' }),
            heads.get(id),
            ofLog,
            tiles,
            mirrorOf,
            witnessed.get(id),
          ),
        );
      }
      const r13y = mirrors.length > 0 ? await R13yIndex.open(r13yIndexDirOf(stateDir)) : undefined;
      return new Follower(logs, store, logger, r13y);
    } catch (err) {
      await Promise.all(mirrors.map((m) => m.close()));
      await store.close();
      throw err;
    }
  }

  /** Polls every log now, then each on its own schedule. */
  start(): void {
    for (const log of this.logs) this.schedule(log, 0);
  }

  /** A followed log by ID or by its configured name. */
  get(logIdOrName: string): FollowedLog {
    const log = this.logs.find((l) => l.id === logIdOrName) ?? this.logs.find((l) => l.name === logIdOrName);
    if (!log) {
      const known = this.logs.map((l) => l.name).join(', ');
      throw new TallyError(
        'NOT_FOUND',
        `log ${logIdOrName} is not followed by this node (it follows ${known})`,
      );
    }
    return log;
  }

  /** Rows for NodeService.ListLogs. */
  logInfos(): LogInfo[] {
    const now = Date.now();
    return this.logs.map((log) => {
      const mirror = log.mirrorOf?.mirror.store;
      return {
        logId: log.id,
        name: log.name,
        protocol: log.config.protocol,
        publicKey: formatPublicKey(log.config.publicKey),
        origin: log.origin,
        meta: log.config.meta,
        role: 'followed',
        state: log.state,
        reason: log.reason,
        headSize: log.head?.checkpoint.size ?? 0,
        headAgeSeconds: log.head ? Math.max(0, Math.floor((now - log.head.seenAtMs) / 1000)) : undefined,
        // Followed logs are not served over HTTP yet (mirrors will be).
        tilesUrl: '',
        mirroredSize: mirror?.size,
        mirrorStored: mirror?.storedSize,
        auditedSize: mirror?.auditedSize,
        ...log.witnessInfo(now),
        witnessCosigning: [], // a publisher's witnesses: none for a followed log
      };
    });
  }

  /** Stored evidence, oldest first; of one log, or of all when logId is undefined. */
  async evidence(logId?: string): Promise<EvidenceRecord[]> {
    const all = await this.store.allEvidence();
    return logId === undefined ? all : all.filter((e) => e.logId === logId);
  }

  /**
   * `tally follow reset`: clears a compromised log's mark, keeping its evidence (the reset is
   * stored, so it holds across restarts), then polls it at once and reports what the poll found.
   */
  async reset(logIdOrName: string): Promise<ResetOutcome> {
    const log = this.get(logIdOrName);
    const logId = log.id;
    const evidenceKept = (await this.evidence(logId)).length;
    const wasCompromised = log.compromised;
    if (wasCompromised) {
      await this.store.putReset(logId, {
        clearedEvidence: evidenceKept,
        resetAtUnix: Math.floor(Date.now() / 1000),
      });
      await log.clearCompromise();
      this.logger.warn(
        { log: log.name, logId, evidenceKept },
        'compromised mark of a followed log reset by the operator; its evidence is kept',
      );
      await log.poll();
      if (!log.compromised) this.schedule(log, log.config.pollIntervalSeconds * 1000);
    }
    return {
      wasCompromised,
      evidenceKept,
      state: log.state,
      reason: log.reason,
      headSize: log.head?.checkpoint.size ?? 0,
    };
  }

  /** Stops polling, waits for polls in flight, closes connections and the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const log of this.logs) log.mirrorOf?.mirror.stop();
    await Promise.all([...this.polling]);
    await Promise.all(this.logs.map((log) => log.idle()));
    for (const log of this.logs) {
      log.client?.close();
      log.tiles?.source.close();
    }
    await this.r13yFeeding;
    await this.r13y?.close();
    await Promise.all(this.logs.map((log) => log.mirrorOf?.mirror.store.close()));
    await this.store.close();
  }

  /** Adds what the log's mirror holds beyond what the report has seen (after each poll). */
  private feedR13y(log: FollowedLog): void {
    const index = this.r13y;
    const mirror = log.mirrorOf?.mirror.store;
    if (index === undefined || mirror === undefined || this.stopped) return;
    const feeding = this.r13yFeeding.then(async () => {
      if (this.stopped) return;
      const start = await index.fedSize(log.id);
      if (start < mirror.size) await index.feed(log.id, mirror.records(start), mirror);
    });
    this.r13yFeeding = feeding.catch((err: unknown) => {
      this.logger.error({ err, log: log.name }, 'feeding the reproducibility report failed');
    });
  }

  private schedule(log: FollowedLog, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(log)); // one schedule per log, also after a reset
    const timer = setTimeout(() => {
      const poll = log.poll().catch((err: unknown) => {
        this.logger.error({ err, log: log.name }, 'polling a followed log failed unexpectedly');
      });
      this.polling.add(poll);
      void poll.then(() => {
        this.polling.delete(poll);
        this.feedR13y(log);
        if (log.compromised) return; // nothing it says counts any more
        this.schedule(
          log,
          nextPollDelayMs(log.config.pollIntervalSeconds * 1000, log.failures, Math.random()),
        );
      });
    }, delayMs);
    timer.unref();
    this.timers.set(log, timer);
  }
}
