import os from 'node:os';
import v8 from 'node:v8';
import type { Logger } from 'pino';
import { createCacheApp } from '../cache/app.js';
import type { DecisionSource } from '../cache/decision-source.js';
import type { HostPort } from '../config/address.js';
import type { CacheConfig, FollowConfig } from '../config/types.js';
import type { Decider } from '../decide/index.js';
import {
  cacheMetrics,
  observeRequests,
  registerObservabilityRoutes,
  requestObserver,
  type Observability,
} from '../metrics/index.js';
import { listenHttp } from './http-listen.js';
import { ensureSecretKey } from '../publisher/published-log.js';

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
      const upstreams: string[] = [];
      for (const vote of decision.agreeing) {
        const upstream = upstreamByName.get(vote.logName);
        if (upstream !== undefined) upstreams.push(upstream);
      }
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

/**
 * The name of a generated cache key: `<hostname>-tally-cache-1`. Nix's trusted-public-keys holds
 * keys by name, so a bare `cache` collided with every other cache key called that. The host part
 * keeps only characters a key name may have; `-1` leaves room for a rotated key. A key that
 * already exists keeps its name.
 */
export function cacheKeyName(hostname: string): string {
  const host = hostname.replace(/[^A-Za-z0-9._+-]/g, '-').slice(0, 100) || 'localhost';
  return `${host}-tally-cache-1`;
}

/**
 * Lets V8's old generation grow to 4 times its live size (V8's largest growing factor) before a
 * full collection: a streamed NAR's bytes live outside the JS heap, and without this headroom an
 * idle proxy ends up running a full collection per scavenge of every transfer (docs/decisions.md,
 * "V8 heap headroom for streamed NARs"). V8 reads the flag at every full collection.
 */
export function keepHeapHeadroomForNars(): void {
  v8.setFlagsFromString('--heap-growing-percent=300');
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
  const key = ensureSecretKey(keyFile, cacheKeyName(os.hostname()), config.keyFile === undefined, logger);
  keepHeapHeadroomForNars();
  const app = createCacheApp({
    decisions,
    key,
    logger: logger.child({ component: 'cache' }),
    storeDir: config.storeDir,
    priority: config.priority,
    wantMassQuery: config.wantMassQuery,
    requireDecidedReferences: config.requireDecidedReferences,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    upstreamConnectTimeoutMs: config.upstreamConnectTimeoutMs,
    upstreamHedgeMs: config.upstreamHedgeMs,
    upstreamSetAsideMs: config.upstreamSetAsideMs,
    upstreamSetAsideMaxMs: config.upstreamSetAsideMaxMs,
    events: cacheMetrics(observability.metrics),
  });
  observeRequests(app, requestObserver(observability.metrics));
  registerObservabilityRoutes(app, observability);
  const address = await listenHttp(app, listen, 'the cache');
  return { address, close: () => app.close() };
}
