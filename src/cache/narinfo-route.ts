import type { FastifyInstance, FastifyReply } from 'fastify';
import { printNarinfo } from '../nix/narinfo.js';
import { rewriteForProxy } from '../nix/rewrite-narinfo.js';
import { headerText, REASON_HEADER, type CacheContext } from './context.js';
import { decidedValue, decodeDecided } from './decided-output.js';
import { findUpstreamNarinfo } from './upstream-narinfo.js';

const NARINFO = /^(.*)\.narinfo$/;
const NARINFO_CONTENT_TYPE = 'text/x-nix-narinfo';

/**
 * `/<hash>.narinfo`: the narinfo of an agreeing upstream, cross-checked against the decided
 * value, rewritten to point at this proxy and signed with its key; reused while that decision
 * stands (see served-narinfos.ts). fastify answers HEAD from this same handler, without the
 * body, so HEAD and GET cannot differ.
 */
export function registerNarinfoRoute(app: FastifyInstance, ctx: CacheContext): void {
  app.get<{ Params: { file: string } }>('/:file', async (request, reply) => {
    const match = NARINFO.exec(request.params.file);
    if (!match) return refuse(reply, 404, 'not a binary cache file');
    const hashPart = match[1]!;
    const decided = await decidedValue(ctx, hashPart);
    if (!decided.ok) return refuse(reply, decided.status, decided.reason);
    const { value, upstreams } = decided;
    let body = ctx.narinfos.get(hashPart, value, upstreams);
    if (body === undefined) {
      const output = decodeDecided(ctx, hashPart, value, upstreams);
      if (!output.ok) return refuse(reply, output.status, output.reason);
      ctx.storePathOf.set(request.raw, output.output.storePath);
      const found = await findUpstreamNarinfo({
        hashPart,
        decided: output.output,
        upstreams,
        storeDir: ctx.storeDir,
        client: ctx.upstream,
        health: ctx.health,
        hedgeMs: ctx.hedgeMs,
        logger: request.log,
      });
      if (!found.ok) return refuse(reply, found.kind === 'missing' ? 404 : 502, found.reason);
      const served = rewriteForProxy(found.narinfo, { key: ctx.key, storeDir: ctx.storeDir });
      body = Buffer.from(printNarinfo(served));
      const { url, compression, deriver } = found.narinfo;
      if (deriver !== undefined) ctx.derivers.note(deriver, hashPart);
      ctx.narinfos.set(hashPart, value, upstreams, body, { upstream: found.upstream, url, compression });
    }
    return reply.type(NARINFO_CONTENT_TYPE).send(body);
  });
}

export function refuse(reply: FastifyReply, status: number, reason: string): FastifyReply {
  return reply.code(status).header(REASON_HEADER, headerText(reason)).type('text/plain').send(`${reason}\n`);
}
