import type { SetAside, SetAsideCause } from './upstream-health.js';

/**
 * Why a NAR transfer was aborted after its 200 was sent. `verification_failed`: the bytes did not
 * hash to the decided NarHash (or had another size); `upstream_failed`: the upstream broke the
 * transfer off or sent bytes that do not decompress; `client_gone`: the client hung up.
 */
export type NarAbortReason = 'verification_failed' | 'upstream_failed' | 'client_gone';
export const NAR_ABORT_REASONS: readonly NarAbortReason[] = [
  'verification_failed',
  'upstream_failed',
  'client_gone',
];

/** What the proxy reports of itself beyond its HTTP requests (the daemon counts these as metrics). */
export interface CacheEvents {
  narAborted(reason: NarAbortReason, upstream: string): void;
  upstreamSetAside(event: SetAside): void;
  /** How many upstreams are set aside now, read whenever asked (a gauge). */
  watchSetAside(count: () => Record<SetAsideCause, number>): void;
}
