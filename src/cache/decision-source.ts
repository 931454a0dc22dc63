/**
 * What the cache proxy needs from deciding, and nothing more: for a key (the 20 bytes of a store
 * path hash), either the decided canonical value and the binary caches of the logs that agree with
 * it, or the reason nothing is decided. The daemon adapts the real decider to this.
 */
export type CacheDecision =
  | {
      decided: true;
      /** The canonical `tally-nix-output/v1` value the vote accepted. */
      value: Buffer;
      /** Binary cache URLs of the agreeing logs (their `meta.upstream`), in preference order. */
      upstreams: readonly string[];
    }
  | { decided: false; reason: string };

export interface DecisionSource {
  decide(key: Buffer): Promise<CacheDecision>;
}
