import type { SecretKey } from '../crypto/ed25519-keys.js';
import type { CacheEvents } from './cache-events.js';
import type { DecisionSource } from './decision-source.js';
import type { RateLimitedLog } from './rate-limited-log.js';
import type { ServedDerivers } from './served-derivers.js';
import type { ServedNarinfos } from './served-narinfos.js';
import type { UpstreamClient } from './upstream-client.js';
import type { UpstreamHealth } from './upstream-health.js';

/** What every route of the proxy shares. */
export interface CacheContext {
  decisions: DecisionSource;
  /** The proxy's own signing key (format of `nix-store --generate-binary-cache-key`). */
  key: SecretKey;
  storeDir: string;
  priority: number;
  wantMassQuery: boolean;
  health: UpstreamHealth;
  upstream: UpstreamClient;
  /** When a narinfo request to one upstream is this slow, another is asked too (0: never). */
  hedgeMs: number;
  narinfos: ServedNarinfos;
  /** The outputs served per deriver, for `/log/<drv>`. */
  derivers: ServedDerivers;
  events: CacheEvents;
  /** Lines about single requests (refusals, aborted NARs), rate-limited. */
  notes: RateLimitedLog;
  /** The store path a request is about, once its decision is known (for the refusal log line). */
  storePathOf: WeakMap<object, string>;
}

/** Header carrying why a path is not served; Nix ignores it, people and tests read it. */
export const REASON_HEADER = 'x-tally-reason';

/** A header-safe rendering of a reason: printable ASCII, bounded. */
export function headerText(reason: string): string {
  return reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 1000);
}
