import type { FastifyInstance } from 'fastify';
import type { CacheContext } from './context.js';

/** `/nix-cache-info` (HEAD is answered by fastify from the same handler). */
export function registerCacheInfoRoute(app: FastifyInstance, ctx: CacheContext): void {
  const body =
    `StoreDir: ${ctx.storeDir}\n` +
    `WantMassQuery: ${ctx.wantMassQuery ? 1 : 0}\n` +
    `Priority: ${ctx.priority}\n`;
  app.get('/nix-cache-info', async (_request, reply) => {
    return reply.type('text/x-nix-cache-info').send(body);
  });
}
