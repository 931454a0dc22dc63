import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SecretKey } from '../crypto/ed25519-keys.js';
import { registerCacheInfoRoute } from './cache-info-route.js';
import { closureDecisions } from './closure-decisions.js';
import { REASON_HEADER, type CacheContext } from './context.js';
import type { DecisionSource } from './decision-source.js';
import { registerNarRoute } from './nar-route.js';
import { registerNarinfoRoute } from './narinfo-route.js';
import { ServedDerivers } from './served-derivers.js';
import { ServedNarinfos } from './served-narinfos.js';
import { registerListingRoute } from './listing-route.js';
import { registerLogRoute } from './log-route.js';
import { UpstreamClient } from './upstream-client.js';
import { UpstreamHealth } from './upstream-health.js';
import type { CacheEvents } from './cache-events.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { CACHE_DEFAULTS } from '../config/cache-defaults.js';

export interface CacheAppOptions {
  decisions: DecisionSource;
  key: SecretKey;
  logger: Logger;
  storeDir?: string;
  priority?: number;
  wantMassQuery?: boolean;
  /** Deadline for an upstream's response headers (and a whole narinfo). */
  upstreamTimeoutMs?: number;
  /** Deadline for a connection to an upstream. */
  upstreamConnectTimeoutMs?: number;
  /** When a narinfo request to one upstream is this slow, the next is asked too (0: never). */
  upstreamHedgeMs?: number;
  /** How long an unreachable upstream is first set aside before it is probed. */
  upstreamSetAsideMs?: number;
  /** The longest an unreachable upstream is set aside between probes. */
  upstreamSetAsideMaxMs?: number;
  /** How long an upstream that served a bad NAR is set aside. */
  badUpstreamMs?: number;
  /**
   * How long a served narinfo is reused while its decision stands (0: never); like the decision
   * cache's default lifetime, so an upstream that lost a path is noticed as soon.
   */
  narinfoTtlMs?: number;
  narinfoMaxEntries?: number;
  /**
   * Refuse a decided path while a path in its closure is undecided (closure-decisions.ts);
   * default true.
   */
  requireDecidedReferences?: boolean;
  /** Told of aborted NARs and upstreams set aside (metrics); nothing by default. */
  events?: CacheEvents;
}

/** The binary cache proxy as a fastify app; the caller listens (or injects, in tests). */
export function createCacheApp(options: CacheAppOptions): FastifyInstance {
  const logger = options.logger as FastifyBaseLogger;
  const events = options.events ?? NO_EVENTS;
  const storeDir = options.storeDir ?? '/nix/store';
  const upstream = new UpstreamClient({
    timeoutMs: options.upstreamTimeoutMs ?? CACHE_DEFAULTS.upstreamTimeoutMs,
    connectTimeoutMs: options.upstreamConnectTimeoutMs ?? CACHE_DEFAULTS.upstreamConnectTimeoutMs,
  });
  const health = new UpstreamHealth({
    badNarMs: options.badUpstreamMs ?? 10 * 60_000,
    unreachableMs: options.upstreamSetAsideMs ?? CACHE_DEFAULTS.upstreamSetAsideMs,
    unreachableMaxMs: options.upstreamSetAsideMaxMs ?? CACHE_DEFAULTS.upstreamSetAsideMaxMs,
    probe: (u) => upstream.probe(u),
    onSetAside: (event) => {
      events.upstreamSetAside(event);
      logger.warn(
        { upstream: event.upstream, cause: event.cause, reason: event.why, forMs: event.forMs },
        event.cause === 'unreachable'
          ? 'upstream set aside: requests skip it until a probe succeeds'
          : 'upstream set aside: tried after the others',
      );
    },
    onRecovered: (u) => logger.info({ upstream: u }, 'upstream answers again: no longer set aside'),
  });
  events.watchSetAside(() => health.countSetAside());
  const ctx: CacheContext = {
    decisions:
      options.requireDecidedReferences === false
        ? options.decisions
        : closureDecisions(options.decisions, storeDir),
    key: options.key,
    storeDir,
    priority: options.priority ?? 30,
    wantMassQuery: options.wantMassQuery ?? true,
    health,
    upstream,
    hedgeMs: options.upstreamHedgeMs ?? CACHE_DEFAULTS.upstreamHedgeMs,
    narinfos: new ServedNarinfos(options.narinfoTtlMs ?? 60_000, options.narinfoMaxEntries ?? 100_000),
    derivers: new ServedDerivers(60 * 60_000, options.narinfoMaxEntries ?? 100_000),
    events,
    notes: new RateLimitedLog(logger),
    storePathOf: new WeakMap(),
  };
  // Per-request lines would flood the log at Nix's request rates; problems are logged where they happen.
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: a narinfo's whole route costs about as much as making one.
    childLoggerFactory: (logger) => logger,
  });
  app.setErrorHandler((err, request, reply) => {
    request.log.error({ err }, 'cache request failed');
    if (!reply.sent) void reply.code(500).send('internal error\n');
  });
  app.addHook('onClose', async () => {
    ctx.health.close();
    ctx.upstream.close();
  });
  logRefusals(app, ctx);
  registerCacheInfoRoute(app, ctx);
  registerListingRoute(app, ctx);
  registerNarinfoRoute(app, ctx);
  registerNarRoute(app, ctx);
  registerLogRoute(app, ctx);
  return app;
}

const NO_EVENTS: CacheEvents = { narAborted() {}, upstreamSetAside() {}, watchSetAside() {} };

/** The hash part a proxy URL is about: `/<hash>.narinfo`, `/<hash>.ls` or `/nar/...?hash=<hash>`. */
const HASH_OF_URL = /^\/([0-9a-z]{32})\.(?:narinfo|ls)|[?&]hash=([0-9a-z]{32})/;

/** One info line per refused request (rate-limited): the path, the status, the reason. */
function logRefusals(app: FastifyInstance, ctx: CacheContext): void {
  app.addHook('onResponse', (request, reply, done) => {
    const reason = reply.getHeader(REASON_HEADER);
    if (reason !== undefined) {
      const match = HASH_OF_URL.exec(request.url);
      ctx.notes.info(
        {
          status: reply.statusCode,
          storePath: ctx.storePathOf.get(request.raw),
          hashPart: match?.[1] ?? match?.[2],
          url: request.url.slice(0, 200),
          reason,
        },
        'path refused',
      );
    }
    done();
  });
}
