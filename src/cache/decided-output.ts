import { decodeNixValue, type NixOutput } from '../nix/canonical-value.js';
import { keyFromHashPart } from '../nix/store-path.js';
import type { CacheContext } from './context.js';

/** Why a route does not serve a store path hash. */
export type Refusal = { ok: false; status: 400 | 404 | 502 | 503; reason: string };

/** The decided canonical value for a hash part, not yet decoded, and the agreeing upstreams. */
export type DecidedValue = { ok: true; value: Buffer; upstreams: readonly string[] } | Refusal;

/** What a route does with a store path hash: refuse it, or go on with the decided output. */
export type DecidedOutput = { ok: true; output: NixOutput; upstreams: readonly string[] } | Refusal;

/** Validates `hashPart` and asks for a decision. Never throws. */
export async function decidedValue(ctx: CacheContext, hashPart: string): Promise<DecidedValue> {
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
  return { ok: true, value: decision.value, upstreams: decision.upstreams };
}

/** Decodes a decided value and checks it is for `hashPart` and has somewhere to come from. Never throws. */
export function decodeDecided(
  ctx: CacheContext,
  hashPart: string,
  value: Buffer,
  upstreams: readonly string[],
): DecidedOutput {
  try {
    const output = decodeNixValue(value, { storeDir: ctx.storeDir });
    if (!output.storePath.startsWith(`${ctx.storeDir}/${hashPart}-`)) {
      return { ok: false, status: 502, reason: `decided value is for ${output.storePath}, not ${hashPart}` };
    }
    if (upstreams.length === 0) {
      return { ok: false, status: 502, reason: 'no agreeing log names an upstream binary cache' };
    }
    return { ok: true, output, upstreams };
  } catch (e) {
    return { ok: false, status: 502, reason: `decided value is unusable: ${(e as Error).message}` };
  }
}
