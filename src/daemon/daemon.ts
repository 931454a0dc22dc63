import fs from 'node:fs';
import type { Logger } from 'pino';
import { resolveStatePaths, spoolDirOf } from '../config/state-paths.js';
import type { Config } from '../config/types.js';
import { TallyError } from '../errors.js';
import { AdminServiceService } from '../api/gen/tally/v1/admin.js';
import { LogServiceService } from '../api/gen/tally/v1/log.js';
import { NodeServiceService } from '../api/gen/tally/v1/node.js';
import { bearerTokenGuard, createAdminService } from '../api/server/admin-service.js';
import { createDecideHandlers } from '../api/server/decide-service.js';
import { createLogService } from '../api/server/log-service.js';
import type { Guard } from '../api/server/unary.js';
import { createNodeService } from '../api/server/node-service.js';
import { Decider, loadPolicyChain, type VotingLog } from '../decide/index.js';
import { Follower } from '../follower/index.js';
import type { MirrorOf } from '../follower/followed-log.js';
import {
  decisionCounter,
  createTallyMetrics,
  Readiness,
  registerFollowedLogGauges,
  registerR13yGauges,
  registerSpoolGauge,
  registerStaticCopyGauges,
  registerWitnessCosigningGauges,
  type Observability,
} from '../metrics/index.js';
import { decisionsFromDecider, startCacheListener, type CacheListener } from './cache-listener.js';
import { MAX_PUBLIC_REQUEST_BYTES } from '../api/limits.js';
import { routeGrpcLogsTo, startGrpcListener, type GrpcListener } from './grpc-listener.js';
import { startLogHttpListener, type LogHttpListener } from './log-http-listener.js';
import { startMetricsListener, type MetricsListener } from './metrics-listener.js';
import { LocalVotes } from '../publisher/local-votes.js';
import { openPublishedLog, PublishedLogs, type PublishedLog } from '../publisher/published-log.js';
import { checkCanListen, tcpListenersOf } from './listen-check.js';
import { StateLock } from './state-lock.js';
import { countSpoolFiles } from '../publisher/spool-reader.js';
import { startSpoolIngester, type SpoolIngester } from '../publisher/spool-ingester.js';
import { spoolSubmitTo } from '../publisher/spool-submit.js';
import type { Witness } from '../witness-server/witness.js';
import { openWitness } from './witness-startup.js';

export interface RunningDaemon {
  /** Addresses really bound (ephemeral ports resolved). */
  addresses: {
    api?: string;
    http?: string;
    adminSocket: string;
    adminTcp?: string;
    cache?: string;
    metrics?: string;
  };
  logs: PublishedLogs;
  /** Stops listening, finishes commits in flight, closes storage. Idempotent. */
  stop(): Promise<void>;
}

function readToken(file: string): string {
  const token = fs.readFileSync(file, 'utf8').trim();
  if (token.length < 16)
    throw new TallyError('INVALID_ARGUMENT', `admin token in ${file} is shorter than 16 characters`);
  return token;
}

/**
 * Locks the state directory, having checked that every listener can be bound. A state directory
 * that exists is locked first, so a second daemon on it is told so rather than about its ports.
 */
async function lockStateAfterListenCheck(stateDir: string, config: Config): Promise<StateLock> {
  const existing = fs.existsSync(stateDir) ? await StateLock.acquire(stateDir) : undefined;
  try {
    await checkCanListen(tcpListenersOf(config));
  } catch (err) {
    await existing?.release();
    throw err;
  }
  return existing ?? StateLock.acquire(stateDir);
}

/** Wires the components together; owns nothing but their lifecycle. */
/** What the process that starts the daemon may add. */
export interface DaemonOptions {
  /** Hears of every window a mirror's catch-up stores (`tally daemon`: a progress bar). */
  onMirrorProgress?: MirrorOf['onProgress'];
}

export async function startDaemon(
  config: Config,
  logger: Logger,
  options: DaemonOptions = {},
): Promise<RunningDaemon> {
  const paths = resolveStatePaths(config);
  routeGrpcLogsTo(logger);
  // Everything that can fail without state is checked before any is created: a start that fails
  // on a broken policy, a token or a port in use leaves no state directory and no new key.
  // Policies are loaded and checked before anything listens: a broken script stops the start.
  const chain = loadPolicyChain(config.policy);
  const adminToken =
    config.admin.listen && config.admin.tokenFile ? readToken(config.admin.tokenFile) : undefined;
  const lock = await lockStateAfterListenCheck(paths.stateDir, config);
  const published: PublishedLog[] = [];
  const listeners: GrpcListener[] = [];
  let spool: SpoolIngester | undefined;
  let follower: Follower | undefined;
  let cache: CacheListener | undefined;
  let metricsListener: MetricsListener | undefined;
  let logHttp: LogHttpListener | undefined;
  let witness: Witness | undefined;
  // Metrics read live state at scrape time; the registry is this daemon's own.
  const observability: Observability = { metrics: createTallyMetrics(), readiness: new Readiness() };
  const { metrics, readiness } = observability;
  registerFollowedLogGauges(metrics, () => follower?.logs ?? []);
  registerSpoolGauge(metrics, () => countSpoolFiles(spoolDirOf(paths.stateDir)));
  // The package breakdown is not needed here: a limit of 0 keeps the scrape cheap.
  registerR13yGauges(
    metrics,
    () => follower?.r13y?.summary(0),
    (logId) => follower?.logs.find((l) => l.id === logId)?.name ?? logId,
  );
  registerStaticCopyGauges(metrics, () => published.flatMap((log) => log.copies.map((copy) => copy.status)));
  registerWitnessCosigningGauges(metrics, () =>
    published.flatMap((log) => log.witnesses.map((w) => ({ log: log.name, status: w.status }))),
  );
  const cleanup = async () => {
    readiness.set('listeners', false);
    await cache?.close();
    await logHttp?.close();
    await witness?.close();
    await spool?.stop();
    for (const l of listeners) await l.shutdown();
    readiness.set('storage', false);
    await follower?.stop();
    for (const log of published) {
      await log.publisher.drain();
      await Promise.all([...log.copies, ...log.witnesses].map((task) => task.stop()));
      await log.store.close();
    }
    // Last, so /healthz on the metrics address reports the shutdown while it happens.
    await metricsListener?.close();
    await lock.release();
  };

  try {
    const addresses: RunningDaemon['addresses'] = { adminSocket: paths.adminSocket };
    // First, so /healthz on the metrics address reports the start while it happens.
    if (config.cache.metricsListen) {
      metricsListener = await startMetricsListener(config.cache.metricsListen, observability);
      addresses.metrics = metricsListener.address;
    }
    if (config.publish.enabled) {
      published.push(await openPublishedLog(config.publish, paths.publishKeyFile, paths.stateDir, logger));
    }
    const logs = new PublishedLogs(published);
    if (config.follow.length > 0)
      follower = await Follower.open(config.follow, paths.stateDir, logger, options.onMirrorProgress);
    if (config.witness.enabled) witness = await openWitness(config, paths, metrics, logger, follower);
    readiness.set('storage', true);
    const voting: VotingLog[] = [...(follower?.logs ?? [])];
    if (config.decide.localLogVotes) voting.push(new LocalVotes(published[0]!));
    const decider = new Decider(
      voting,
      chain,
      config.decide,
      logger.child({ component: 'decide' }),
      decisionCounter(
        metrics,
        chain.map((policy) => policy.name),
      ),
    );
    const followedRows = () => follower?.logInfos() ?? [];
    // The decide handlers carry the guards of the listener they are served on.
    const adminService = (guards: Guard[]) =>
      createAdminService(
        logs,
        logger,
        guards,
        createDecideHandlers(decider, follower, witness, logger, guards),
      );
    const publicServices = [
      { definition: LogServiceService, implementation: createLogService(logs, logger) },
      {
        definition: NodeServiceService,
        implementation: createNodeService(logs, logger, followedRows, () => addresses.http),
      },
    ];

    if (config.api.listen) {
      const api = await startGrpcListener(config.api.listen, publicServices, {
        sendBytes: config.api.maxMessageBytes,
        receiveBytes: Math.min(config.api.maxMessageBytes, MAX_PUBLIC_REQUEST_BYTES),
      });
      listeners.push(api);
      addresses.api = api.address;
    }
    if (config.api.httpListen) {
      const witnessRoutes = witness ? { witness, prefix: config.witness.prefix } : undefined;
      // A mirror with no complete checkpoint yet has nothing to serve.
      const mirrors = (logId: string) => {
        const store = follower?.logs.find((l) => l.id === logId)?.mirrorOf?.mirror.store;
        return store?.head === undefined ? undefined : store;
      };
      logHttp = await startLogHttpListener(
        config.api.httpListen,
        logs,
        witnessRoutes,
        mirrors,
        follower?.r13y && {
          index: follower.r13y,
          logNames: new Map(follower.logs.map((log) => [log.id, log.name])),
          mirrors: (logId) => {
            const log = follower?.logs.find((l) => l.id === logId);
            const store = log?.mirrorOf?.mirror.store;
            return store && log && { store, publicKey: log.config.publicKey };
          },
        },
      );
      addresses.http = logHttp.address;
    }
    // Submit batches are large; the admin API is local or behind a token.
    const adminLimits = { sendBytes: config.api.maxMessageBytes, receiveBytes: config.api.maxMessageBytes };
    const admin = await startGrpcListener(
      { socketPath: paths.adminSocket },
      [{ definition: AdminServiceService, implementation: adminService([]) }],
      adminLimits,
    );
    listeners.push(admin);
    if (config.admin.listen && adminToken !== undefined) {
      const guard = bearerTokenGuard(adminToken);
      const adminTcp = await startGrpcListener(
        config.admin.listen,
        [{ definition: AdminServiceService, implementation: adminService([guard]) }],
        adminLimits,
      );
      listeners.push(adminTcp);
      addresses.adminTcp = adminTcp.address;
    }

    if (config.cache.listen) {
      cache = await startCacheListener(
        config.cache.listen,
        config.cache,
        paths.cacheKeyFile,
        decisionsFromDecider(decider, config.follow),
        logger,
        observability,
      );
      addresses.cache = cache.address;
    }

    if (published.length > 0) {
      // Submissions the post-build hook spooled while this daemon was down.
      spool = startSpoolIngester({
        spoolDir: spoolDirOf(paths.stateDir),
        submit: spoolSubmitTo(logs),
        logger,
      });
    }

    follower?.start();
    readiness.set('listeners', true);
    logger.info(
      {
        addresses,
        followed: follower?.logs.map((l) => ({ id: l.id, name: l.name, state: l.state })) ?? [],
        stateDir: paths.stateDir,
        witness: witness ? { name: witness.name, origins: witness.origins.length } : undefined,
        logs: published.map((l) => ({ id: l.id, name: l.name, origin: l.origin, size: l.store.size })),
      },
      'tally daemon ready',
    );

    let stopping: Promise<void> | undefined;
    return {
      addresses,
      logs,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}
