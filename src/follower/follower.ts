import path from 'node:path';
import type { Logger } from 'pino';
import { connectPublic } from '../api/client.js';
import { logIdOf } from '../checkpoint/log-id.js';
import type { LogInfo } from '../api/gen/tally/v1/node.js';
import { formatHostPort } from '../config/address.js';
import type { FollowConfig } from '../config/types.js';
import { formatPublicKey } from '../crypto/ed25519-keys.js';
import { TallyError } from '../errors.js';
import { nextPollDelayMs } from './backoff.js';
import type { EvidenceRecord } from './evidence.js';
import { FollowedLog } from './followed-log.js';
import { FollowerStore } from './follower-store.js';

/** The followed logs: polls their heads on their intervals, backing off while they are unreachable. */
export class Follower {
  private readonly timers = new Map<FollowedLog, NodeJS.Timeout>();
  private readonly polling = new Set<Promise<void>>();
  private stopped = false;

  private constructor(
    readonly logs: FollowedLog[],
    private readonly store: FollowerStore,
    private readonly logger: Logger,
  ) {}

  /** Opens `<stateDir>/follower` and restores each log's stored head and evidence. Does not poll yet. */
  static async open(configs: FollowConfig[], stateDir: string, logger: Logger): Promise<Follower> {
    const store = await FollowerStore.open(path.join(stateDir, 'follower'));
    try {
      const heads = await store.heads();
      const evidence = await store.allEvidence();
      const logs = configs.map((config) => {
        const client = connectPublic(formatHostPort(config.address), { deadlineMs: config.requestTimeoutMs });
        const id = logIdOf(config.publicKey, config.protocol);
        const ofLog = evidence.filter((e) => e.logId === id);
        return new FollowedLog(
          config,
          client,
          store,
          logger.child({ component: 'follower' }),
          heads.get(id),
          ofLog,
        );
      });
      return new Follower(logs, store, logger);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** Polls every log now, then each on its own schedule. */
  start(): void {
    for (const log of this.logs) this.schedule(log, 0);
  }

  get(logId: string): FollowedLog {
    const log = this.logs.find((l) => l.id === logId);
    if (!log) throw new TallyError('NOT_FOUND', `log ${logId} is not followed by this node`);
    return log;
  }

  /** Rows for NodeService.ListLogs. */
  logInfos(): LogInfo[] {
    const now = Date.now();
    return this.logs.map((log) => ({
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
    }));
  }

  /** Stored evidence, oldest first; of one log, or of all when logId is undefined. */
  async evidence(logId?: string): Promise<EvidenceRecord[]> {
    const all = await this.store.allEvidence();
    return logId === undefined ? all : all.filter((e) => e.logId === logId);
  }

  /** Stops polling, waits for polls in flight, closes connections and the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    await Promise.all([...this.polling]);
    await Promise.all(this.logs.map((log) => log.idle()));
    for (const log of this.logs) log.client.close();
    await this.store.close();
  }

  private schedule(log: FollowedLog, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      const poll = log.poll().catch((err: unknown) => {
        this.logger.error({ err, log: log.name }, 'polling a followed log failed unexpectedly');
      });
      this.polling.add(poll);
      void poll.then(() => {
        this.polling.delete(poll);
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
