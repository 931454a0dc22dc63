import { decodeNixValue, type NixOutput } from '../nix/canonical-value.js';
import { keyFromHashPart } from '../nix/store-path.js';
import type { CacheContext } from './context.js';

/** What a route does with a store path hash: refuse it, or go on with the decided output. */
export type DecidedOutput =
  | { ok: true; output: NixOutput; upstreams: string[] }
  | { ok: false; status: 400 | 404 | 502 | 503; reason: string };

/** Validates `hashPart`, asks for a decision and decodes the decided value. Never throws. */
export async function decidedOutput(ctx: CacheContext, hashPart: string): Promise<DecidedOutput> {
  let key: Buffer;
  try {
    key = keyFromHashPart(hashPart);
  } catch (e) {
    return { ok: false, status: 400, reason: (e as Error).message };
  }
  let decision;
  try {
    decision = await ctx.decisions.decide(key);
  } catch (e) {
    // Transient: a 404 would be cached by Nix for an hour, a 5xx is retried.
    return { ok: false, status: 503, reason: `deciding failed: ${(e as Error).message}` };
  }
  if (!decision.decided) return { ok: false, status: 404, reason: decision.reason };
  try {
    const output = decodeNixValue(decision.value, { storeDir: ctx.storeDir });
    if (!output.storePath.startsWith(`${ctx.storeDir}/${hashPart}-`)) {
      return { ok: false, status: 502, reason: `decided value is for ${output.storePath}, not ${hashPart}` };
    }
    if (decision.upstreams.length === 0) {
      return { ok: false, status: 502, reason: 'no agreeing log names an upstream binary cache' };
    }
    return { ok: true, output, upstreams: decision.upstreams };
  } catch (e) {
    return { ok: false, status: 502, reason: `decided value is unusable: ${(e as Error).message}` };
  }
}
