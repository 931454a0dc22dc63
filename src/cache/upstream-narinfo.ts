import type { FastifyBaseLogger } from 'fastify';
import type { NixOutput } from '../nix/canonical-value.js';
import { crossCheckNarinfo } from '../nix/cross-check.js';
import { parseNarinfo, type Narinfo } from '../nix/narinfo.js';
import { isSupportedCompression } from './decompress.js';
import { UpstreamError, type UpstreamClient } from './upstream-client.js';
import type { UpstreamHealth } from './upstream-health.js';

/** The first agreeing upstream's narinfo that matches the decided output, or why there is none. */
export type UpstreamNarinfo =
  | { ok: true; upstream: string; narinfo: Narinfo }
  /**
   * `missing`: every upstream tried answered 404 and none was skipped (a 404 is cached by Nix, so
   * it is only said when sure); `failed`: at least one failed, mismatched or was set aside.
   */
  | { ok: false; kind: 'missing' | 'failed'; reason: string };

/** Searching the agreeing upstreams for a path's narinfo ("lookup" is a log's answer about a key). */
export interface NarinfoSearch {
  hashPart: string;
  decided: NixOutput;
  /** The agreeing upstreams, in preference order; `health` orders them and skips the set-aside. */
  upstreams: readonly string[];
  storeDir: string;
  client: UpstreamClient;
  health: UpstreamHealth;
  /**
   * When an upstream has not answered within this long, the next one is asked too, and the first
   * matching answer wins (0: one at a time). The slow request still runs to its own end, so a hung
   * upstream reaches its timeout and is set aside.
   */
  hedgeMs: number;
  logger: FastifyBaseLogger;
}

type Attempt = { ok: true; narinfo: Narinfo } | { ok: false; problem?: string };

/**
 * Asks the usable upstreams one after another (hedged, see `hedgeMs`) for `hashPart`'s narinfo,
 * and takes the first that matches the decided output and has a Compression the NAR route can
 * decompress. Records in `health` what each upstream did.
 */
export function findUpstreamNarinfo(search: NarinfoSearch): Promise<UpstreamNarinfo> {
  const { usable, skipped } = search.health.order(search.upstreams);
  const problems = skipped.map((u) => `${u}: ${search.health.skipReason(u) ?? 'set aside'}`);
  return new Promise((resolve) => {
    let next = 0;
    let running = 0;
    let settled = false;
    const finishIfDone = () => {
      if (settled || running > 0 || next < usable.length) return;
      settled = true;
      resolve(
        problems.length === 0
          ? { ok: false, kind: 'missing', reason: `no agreeing upstream has ${search.hashPart}.narinfo` }
          : {
              ok: false,
              kind: 'failed',
              reason: `no agreeing upstream served a matching narinfo: ${problems.join('; ')}`,
            },
      );
    };
    const startNext = () => {
      if (settled) return;
      if (next >= usable.length) return finishIfDone();
      const upstream = usable[next++]!;
      running++;
      let hedged = false;
      const hedge =
        search.hedgeMs > 0 && next < usable.length
          ? setTimeout(() => {
              hedged = true;
              search.health.markSlow(upstream);
              startNext();
            }, search.hedgeMs)
          : undefined;
      void attempt(search, upstream).then((result) => {
        clearTimeout(hedge);
        running--;
        if (settled) return;
        if (result.ok) {
          settled = true;
          resolve({ ok: true, upstream, narinfo: result.narinfo });
          return;
        }
        if (result.problem !== undefined) problems.push(result.problem);
        if (hedged) finishIfDone();
        else startNext();
      });
    };
    startNext();
  });
}

/** One upstream's narinfo, checked. Never rejects. */
async function attempt(search: NarinfoSearch, upstream: string): Promise<Attempt> {
  try {
    const fetched = await search.client.fetchNarinfo(upstream, search.hashPart);
    search.health.markAnswered(upstream);
    if (!fetched.found) return { ok: false };
    const narinfo = parseNarinfo(fetched.body, { storeDir: search.storeDir });
    crossCheckNarinfo(narinfo, search.decided);
    if (!isSupportedCompression(narinfo.compression)) {
      throw new Error(`unsupported Compression ${narinfo.compression}`);
    }
    return { ok: true, narinfo };
  } catch (e) {
    const message = (e as Error).message;
    if (e instanceof UpstreamError && e.unreachable) search.health.markUnreachable(upstream, message);
    search.logger.warn({ upstream, hashPart: search.hashPart, err: message }, 'upstream skipped');
    return { ok: false, problem: `${upstream}: ${message}` };
  }
}
