import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { BoundedTtlMap } from '../collections/bounded-ttl-map.js';
import { parseNarHash } from '../nix/nar-hash.js';
import { formatNarListing, NarListingParser } from '../nix/nar-listing.js';
import type { CacheContext } from './context.js';
import { decidedValue, decodeDecided } from './decided-output.js';
import { decompressed } from './decompress.js';
import { narTransferFailed, openAgreeingNar } from './nar-route.js';
import { narVerifier } from './nar-verifier.js';
import { refuse } from './narinfo-route.js';

const LISTING_CONTENT_TYPE = 'application/json';

/**
 * `/<hash>.ls`, the NAR listing (`nix store ls`, nix-index), for decided paths only. It is built
 * here from the decided NAR, streamed from an agreeing upstream and verified against the decided
 * NarHash before a byte of the listing is sent: an upstream's own `.ls` could describe other
 * contents than the NAR the vote accepted. Listings are kept (per hash, while the decided value
 * stays the same) so a repeated request costs no second download.
 */
export function registerListingRoute(app: FastifyInstance, ctx: CacheContext): void {
  const listings = new BoundedTtlMap<string, { value: Buffer; body: string }>(60 * 60_000, 1_000);
  app.get<{ Params: { hash: string } }>('/:hash.ls', async (request, reply) => {
    const hashPart = request.params.hash;
    const value = await decidedValue(ctx, hashPart);
    if (!value.ok) return refuse(reply, value.status, value.reason);
    const kept = listings.get(hashPart);
    if (kept !== undefined && kept.value.equals(value.value)) {
      return reply.type(LISTING_CONTENT_TYPE).send(kept.body);
    }
    const decided = decodeDecided(ctx, hashPart, value.value, value.upstreams);
    if (!decided.ok) return refuse(reply, decided.status, decided.reason);
    const { output } = decided;
    ctx.storePathOf.set(request.raw, output.storePath);
    const opened = await openAgreeingNar(ctx, request, hashPart, {
      value: value.value,
      output,
      upstreams: decided.upstreams,
    });
    if (!opened.ok) return refuse(reply, opened.status, opened.reason);
    const { upstream, compression, body } = opened.nar;
    const about = { upstream, storePath: output.storePath, compression };

    // The parser sees bytes before the hash is checked; a parse error only counts once the bytes
    // are known to be the decided NAR (else they were the upstream's fault, and the verifier says so).
    const parser = new NarListingParser();
    let malformed: Error | undefined;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (malformed === undefined) {
          try {
            parser.push(chunk);
          } catch (e) {
            malformed = e as Error;
          }
        }
        callback();
      },
    });
    try {
      await pipeline(
        decompressed(body, compression),
        narVerifier(parseNarHash(output.narHash), output.narSize),
        sink,
      );
    } catch (e) {
      body.destroy();
      narTransferFailed(ctx, e as Error, about);
      return refuse(
        reply,
        502,
        `the NAR of ${output.storePath} from ${upstream} failed: ${(e as Error).message}`,
      );
    }
    let listing: string;
    try {
      if (malformed !== undefined) throw malformed;
      listing = formatNarListing(parser.end());
    } catch (e) {
      return refuse(
        reply,
        502,
        `the decided NAR of ${output.storePath} is not a valid NAR: ${(e as Error).message}`,
      );
    }
    listings.set(hashPart, { value: value.value, body: listing });
    return reply.type(LISTING_CONTENT_TYPE).send(listing);
  });
}
