import type { Logger } from 'pino';
import { createCacheApp } from '../cache/app.js';
import type { DecisionSource } from '../cache/decision-source.js';
import { formatHostPort, type HostPort } from '../config/address.js';
import type { CacheConfig, FollowConfig } from '../config/types.js';
import type { Decider } from '../decide/index.js';
import { TallyError } from '../errors.js';
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
        return { decided: false, reason: 'decided, but no agreeing log has an upstream cache (follow meta.upstream)' };
      }
      return { decided: true, value: decision.value, upstreams };
    },
  };
}

export interface CacheListener {
  address: string;
  close(): Promise<void>;
}

/** Starts the Nix binary cache proxy on `listen`, signing narinfos with the cache key. */
export async function startCacheListener(
  listen: HostPort,
  config: CacheConfig,
  keyFile: string,
  decisions: DecisionSource,
  logger: Logger,
): Promise<CacheListener> {
  const key = ensureSecretKey(keyFile, 'cache', logger);
  const app = createCacheApp({
    decisions,
    key,
    logger: logger.child({ component: 'cache' }),
    storeDir: config.storeDir,
    priority: config.priority,
    wantMassQuery: config.wantMassQuery,
  });
  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await app.close();
    throw new TallyError('UNAVAILABLE', `cannot listen on ${formatHostPort(listen)} for the cache: ${(err as Error).message}`);
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : listen.port;
  return { address: formatHostPort({ host: listen.host, port }), close: () => app.close() };
}
