import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseProxyNarUrl, type ProxyNarRequest } from '../nix/nar-url.js';
import { parseNarHash } from '../nix/nar-hash.js';
import type { NixOutput } from '../nix/canonical-value.js';
import { VerificationError } from '../errors.js';
import type { CacheContext } from './context.js';
import { decidedValue, decodeDecided } from './decided-output.js';
import { decompressed } from './decompress.js';
import { narVerifier } from './nar-verifier.js';
import { refuse } from './narinfo-route.js';
import type { NarSource } from './served-narinfos.js';
import { UpstreamError, upstreamUrl } from './upstream-client.js';
import { findUpstreamNarinfo } from './upstream-narinfo.js';

interface OpenedNar {
  upstream: string;
  compression: string;
  body: Readable;
}

/**
 * `/nar/<NarHash>.nar?hash=<hash part>` (the URL our narinfos carry): streamed from an agreeing
 * upstream, decompressed, hashed on the way and served uncompressed. A NAR that does not hash to
 * the decided NarHash is cut off before its last bytes (the socket is destroyed, so Nix sees a
 * short body and rejects it) and its upstream is set aside, so the next request uses another.
 */
export function registerNarRoute(app: FastifyInstance, ctx: CacheContext): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/nar/:file',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      let nar: ProxyNarRequest;
      try {
        nar = parseProxyNarUrl(request.url);
      } catch (e) {
        return refuse(reply, 400, (e as Error).message);
      }
      const value = await decidedValue(ctx, nar.hashPart);
      if (!value.ok) return refuse(reply, value.status, value.reason);
      const decided = decodeDecided(ctx, nar.hashPart, value.value, value.upstreams);
      if (!decided.ok) return refuse(reply, decided.status, decided.reason);
      ctx.storePathOf.set(request.raw, decided.output.storePath);
      if (decided.output.narHash !== nar.narHash) {
        return refuse(reply, 404, `${nar.narHash} is not the decided NarHash of ${nar.hashPart}`);
      }
      const opened = await openAgreeingNar(ctx, request, nar.hashPart, {
        value: value.value,
        output: decided.output,
        upstreams: decided.upstreams,
      });
      if (!opened.ok) return refuse(reply, opened.status, opened.reason);
      const { upstream, compression, body } = opened.nar;
      const headers = {
        'content-type': 'application/x-nix-nar',
        'content-length': String(decided.output.narSize),
      };
      if (request.method === 'HEAD') {
        body.destroy();
        return reply.headers(headers).send();
      }
      reply.hijack();
      reply.raw.writeHead(200, headers);
      // Now, not with the first bytes: the verifier holds back up to a batch, or a whole small NAR.
      reply.raw.flushHeaders();
      const about = { upstream, storePath: decided.output.storePath, compression };
      let source: Readable;
      try {
        source = decompressed(body, compression);
      } catch (e) {
        body.destroy();
        reply.raw.destroy();
        request.log.error({ ...about, err: (e as Error).message }, 'NAR decompression could not start');
        return reply;
      }
      const verifier = narVerifier(parseNarHash(decided.output.narHash), decided.output.narSize);
      pipeline(source, verifier, reply.raw, (err) => {
        if (!err) return;
        reply.raw.destroy();
        narTransferFailed(ctx, err, about);
      });
      return reply;
    },
  });
}

/**
 * Accounts for a NAR transfer that failed. Nix hanging up is no fault of the upstream. Anything
 * else is (bytes that do not hash to the decided NarHash or do not even decompress, a transfer it
 * broke off): it is set aside, or every retry would get the same bad NAR while other agreeing
 * upstreams have a good one.
 */
export function narTransferFailed(
  ctx: CacheContext,
  err: Error,
  about: { upstream: string; storePath: string; compression: string },
): void {
  const { upstream } = about;
  if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
    ctx.events.narAborted('client_gone', upstream);
    ctx.notes.info({ ...about, reason: err.message }, 'NAR transfer aborted: the client went away');
    return;
  }
  const verification = err instanceof VerificationError;
  ctx.events.narAborted(verification ? 'verification_failed' : 'upstream_failed', upstream);
  ctx.health.markBad(upstream, err.message);
  const what = verification ? 'NAR failed verification' : 'NAR transfer failed';
  ctx.notes.warn({ ...about, reason: err.message }, `${what}: transfer aborted, upstream marked bad`);
}

type Opened = { ok: true; nar: OpenedNar } | { ok: false; status: 404 | 502; reason: string };

/**
 * The NAR from an agreeing upstream: first from the one whose narinfo was served for this
 * decision (no second narinfo request), then from the others, asking each for its narinfo. An
 * upstream that cannot be reached is set aside, and the next one tried at once.
 */
export async function openAgreeingNar(
  ctx: CacheContext,
  request: FastifyRequest,
  hashPart: string,
  decided: { value: Buffer; output: NixOutput; upstreams: readonly string[] },
): Promise<Opened> {
  const problems: string[] = [];
  const tried = new Set<string>();
  let source: NarSource | undefined = ctx.narinfos.source(hashPart, decided.value, decided.upstreams);
  // An upstream set aside since it served the narinfo goes through the usual order (last, or skipped).
  if (source !== undefined && !ctx.health.isPreferred(source.upstream)) source = undefined;
  for (;;) {
    if (source === undefined) {
      const found = await findUpstreamNarinfo({
        hashPart,
        decided: decided.output,
        upstreams: decided.upstreams.filter((u) => !tried.has(u)),
        storeDir: ctx.storeDir,
        client: ctx.upstream,
        health: ctx.health,
        hedgeMs: ctx.hedgeMs,
        logger: request.log,
      });
      if (!found.ok) {
        if (found.kind === 'failed') problems.push(found.reason);
        break;
      }
      const { url, compression } = found.narinfo;
      source = { upstream: found.upstream, url, compression };
    }
    const { upstream, url, compression } = source;
    tried.add(upstream);
    source = undefined;
    try {
      const body = await ctx.upstream.openNar(upstreamUrl(upstream, url));
      ctx.health.markAnswered(upstream);
      return { ok: true, nar: { upstream, compression, body } };
    } catch (e) {
      const message = (e as Error).message;
      if (e instanceof UpstreamError && e.unreachable) ctx.health.markUnreachable(upstream, message);
      request.log.warn({ upstream, hashPart, err: message }, 'upstream NAR unavailable');
      problems.push(`${upstream}: ${message}`);
    }
  }
  if (problems.length === 0)
    return { ok: false, status: 404, reason: `no agreeing upstream has ${hashPart}` };
  return {
    ok: false,
    status: 502,
    reason: `no agreeing upstream could serve the NAR: ${problems.join('; ')}`,
  };
}
