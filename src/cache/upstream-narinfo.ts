import type { FastifyBaseLogger } from 'fastify';
import type { NixOutput } from '../nix/canonical-value.js';
import { crossCheckNarinfo } from '../nix/cross-check.js';
import { parseNarinfo, type Narinfo } from '../nix/narinfo.js';
import type { UpstreamClient } from './upstream-client.js';

/** The first agreeing upstream's narinfo that matches the decided output, or why there is none. */
export type UpstreamNarinfo =
  | { ok: true; upstream: string; narinfo: Narinfo }
  /** `missing`: every upstream answered 404; `failed`: at least one failed or mismatched. */
  | { ok: false; kind: 'missing' | 'failed'; reason: string };

export interface NarinfoLookup {
  hashPart: string;
  decided: NixOutput;
  /** Upstreams to try, in order. */
  upstreams: readonly string[];
  storeDir: string;
  client: UpstreamClient;
  logger: FastifyBaseLogger;
  /** Extra check of a matching narinfo (e.g. a NAR route needs a supported Compression). */
  accept?: (narinfo: Narinfo) => string | undefined;
}

export async function findUpstreamNarinfo(lookup: NarinfoLookup): Promise<UpstreamNarinfo> {
  const problems: string[] = [];
  for (const upstream of lookup.upstreams) {
    try {
      const fetched = await lookup.client.fetchNarinfo(upstream, lookup.hashPart);
      if (!fetched.found) continue;
      const narinfo = parseNarinfo(fetched.body, { storeDir: lookup.storeDir });
      crossCheckNarinfo(narinfo, lookup.decided);
      const refusal = lookup.accept?.(narinfo);
      if (refusal !== undefined) throw new Error(refusal);
      return { ok: true, upstream, narinfo };
    } catch (e) {
      const problem = `${upstream}: ${(e as Error).message}`;
      lookup.logger.warn(
        { upstream, hashPart: lookup.hashPart, err: (e as Error).message },
        'upstream skipped',
      );
      problems.push(problem);
    }
  }
  if (problems.length === 0) {
    return { ok: false, kind: 'missing', reason: `no agreeing upstream has ${lookup.hashPart}.narinfo` };
  }
  return {
    ok: false,
    kind: 'failed',
    reason: `no agreeing upstream served a matching narinfo: ${problems.join('; ')}`,
  };
}
