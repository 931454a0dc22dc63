/** How the proxy treats its upstreams unless configured otherwise (`[cache]` upstream_*). */
export const CACHE_DEFAULTS = {
  /** A whole narinfo, or a NAR's response headers. */
  upstreamTimeoutMs: 10_000,
  upstreamConnectTimeoutMs: 3_000,
  /** A local or nearby cache answers a narinfo in well under this. */
  upstreamHedgeMs: 500,
  upstreamSetAsideMs: 5_000,
  upstreamSetAsideMaxMs: 5 * 60_000,
} as const;
