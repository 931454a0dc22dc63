import type { FastifyInstance } from 'fastify';
import { parseStorePathBaseName } from '../nix/store-path.js';
import type { CacheContext } from './context.js';
import { decidedValue } from './decided-output.js';
import { refuse } from './narinfo-route.js';
import { UpstreamError } from './upstream-client.js';

/** The largest build log passed through; held whole, like a narinfo. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

/**
 * `/log/<hash>-<name>.drv` (`nix log`): the build log of an agreeing upstream, passed through as
 * it sends it. Only for a derivation with a decided output: one whose narinfo this proxy served
 * naming the derivation as its Deriver (that is how `nix log` finds the derivation), decided
 * still, and the log comes from one of the upstreams of the logs that agree on it.
 */
export function registerLogRoute(app: FastifyInstance, ctx: CacheContext): void {
  app.get<{ Params: { drv: string } }>('/log/:drv', async (request, reply) => {
    const drv = request.params.drv;
    try {
      parseStorePathBaseName(drv, ctx.storeDir);
    } catch (e) {
      return refuse(reply, 400, (e as Error).message);
    }
    if (!drv.endsWith('.drv')) return refuse(reply, 400, `${drv} is not a derivation (.drv)`);
    const outputs = ctx.derivers.outputsOf(drv);
    if (outputs.length === 0) {
      return refuse(reply, 404, `no decided output of ${drv} is known: ask for an output's narinfo first`);
    }
    const reasons: string[] = [];
    const asked = new Set<string>();
    for (const hashPart of outputs) {
      const decided = await decidedValue(ctx, hashPart);
      if (!decided.ok) {
        reasons.push(`${hashPart}: ${decided.reason}`);
        continue;
      }
      for (const upstream of ctx.health.order(decided.upstreams).usable) {
        if (asked.has(upstream)) continue;
        asked.add(upstream);
        try {
          const log = await ctx.upstream.fetchSmallFile(upstream, `log/${drv}`, MAX_LOG_BYTES);
          ctx.health.markAnswered(upstream);
          if (log.found) return reply.type('text/plain; charset=utf-8').send(log.body);
        } catch (e) {
          if (e instanceof UpstreamError && e.unreachable) ctx.health.markUnreachable(upstream, e.message);
          reasons.push((e as Error).message);
        }
      }
    }
    const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
    return refuse(reply, 404, `no agreeing upstream has a build log for ${drv}${why}`);
  });
}
