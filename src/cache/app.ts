import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SecretKey } from '../crypto/ed25519-keys.js';
import { registerCacheInfoRoute } from './cache-info-route.js';
import type { CacheContext } from './context.js';
import type { DecisionSource } from './decision-source.js';
import { registerNarRoute } from './nar-route.js';
import { registerNarinfoRoute } from './narinfo-route.js';
import { ServedNarinfos } from './served-narinfos.js';
import { UpstreamClient } from './upstream-client.js';
import { UpstreamHealth } from './upstream-health.js';

export interface CacheAppOptions {
  decisions: DecisionSource;
  key: SecretKey;
  logger: Logger;
  storeDir?: string;
  priority?: number;
  wantMassQuery?: boolean;
  /** Deadline for an upstream's response headers (and a whole narinfo). */
  upstreamTimeoutMs?: number;
  /** How long an upstream that served a bad NAR is set aside. */
  badUpstreamMs?: number;
  /**
   * How long a served narinfo is reused while its decision stands (0: never); like the decision
   * cache's default lifetime, so an upstream that lost a path is noticed as soon.
   */
  narinfoTtlMs?: number;
  narinfoMaxEntries?: number;
}

/** The binary cache proxy as a fastify app; the caller listens (or injects, in tests). */
export function createCacheApp(options: CacheAppOptions): FastifyInstance {
  const ctx: CacheContext = {
    decisions: options.decisions,
    key: options.key,
    storeDir: options.storeDir ?? '/nix/store',
    priority: options.priority ?? 30,
    wantMassQuery: options.wantMassQuery ?? true,
    health: new UpstreamHealth(options.badUpstreamMs ?? 10 * 60_000),
    upstream: new UpstreamClient(options.upstreamTimeoutMs ?? 10_000),
    narinfos: new ServedNarinfos(options.narinfoTtlMs ?? 60_000, options.narinfoMaxEntries ?? 100_000),
  };
  // Per-request lines would flood the log at Nix's request rates; problems are logged where they happen.
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: a narinfo's whole route costs about as much as making one.
    childLoggerFactory: (logger) => logger,
  });
  app.setErrorHandler((err, request, reply) => {
    request.log.error({ err }, 'cache request failed');
    if (!reply.sent) void reply.code(500).send('internal error\n');
  });
  app.addHook('onClose', async () => ctx.upstream.close());
  registerCacheInfoRoute(app, ctx);
  registerNarinfoRoute(app, ctx);
  registerNarRoute(app, ctx);
  return app;
}
