import type { Logger } from 'pino';
import { createCacheApp } from '../cache/app.js';
import type { DecisionSource } from '../cache/decision-source.js';
import type { HostPort } from '../config/address.js';
import type { CacheConfig, FollowConfig } from '../config/types.js';
import type { Decider } from '../decide/index.js';
import { observeRequests, registerObservabilityRoutes, type Observability } from '../metrics/index.js';
import { listenHttp } from './http-listen.js';
import { ensureSecretKey } from './published-log.js';

/**
 * Adapts the decider to the proxy: a decided path is served from the binary caches (follow
 * meta `upstream`) of the logs that agreed, in the order they are listed.
 */
export function decisionsFromDecider(decider: Decider, follows: FollowConfig[]): DecisionSource {
  const upstreamByName = new Map<string, string>();
  for (const f of follows) {
    const upstream = f.meta.upstream;
    if (upstream) upstreamByName.set(f.name, upstream);
  }
  return {
    async decide(key) {
      const decision = await decider.decide(key);
      if (!decision.decided || !decision.value) return { decided: false, reason: decision.reason };
      const upstreams = decision.agreeing
        .map((vote) => upstreamByName.get(vote.name))
        .filter((u): u is string => u !== undefined);
      if (upstreams.length === 0) {
        return {
          decided: false,
          reason: 'decided, but no agreeing log has an upstream cache (follow meta.upstream)',
        };
      }
      return { decided: true, value: decision.value, upstreams };
    },
  };
}

export interface CacheListener {
  address: string;
  close(): Promise<void>;
}

/**
 * Starts the Nix binary cache proxy on `listen`, signing narinfos with the cache key. The same port
 * serves /metrics and /healthz, and its requests are counted.
 */
export async function startCacheListener(
  listen: HostPort,
  config: CacheConfig,
  keyFile: string,
  decisions: DecisionSource,
  logger: Logger,
  observability: Observability,
): Promise<CacheListener> {
  const key = ensureSecretKey(keyFile, 'cache', config.keyFile === undefined, logger);
  const app = createCacheApp({
    decisions,
    key,
    logger: logger.child({ component: 'cache' }),
    storeDir: config.storeDir,
    priority: config.priority,
    wantMassQuery: config.wantMassQuery,
  });
  observeRequests(app, observability.metrics);
  registerObservabilityRoutes(app, observability);
  const address = await listenHttp(app, listen, 'the cache');
  return { address, close: () => app.close() };
}
