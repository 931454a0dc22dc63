import { defaultOrigin, logIdOf } from '../checkpoint/log-id.js';
import type { FollowConfig, WitnessConfig } from '../config/types.js';
import type { WitnessedLog } from './witness.js';

/** The logs a witness cosigns: `[[witness.log]]`, plus every `[[follow]]` with `followed_logs`. */
export function witnessedLogsOf(witness: WitnessConfig, follow: readonly FollowConfig[]): WitnessedLog[] {
  const listed = witness.logs.map((log) => ({ origin: log.origin, publicKeys: [log.publicKey] }));
  if (!witness.followedLogs) return listed;
  const followed = follow.map((f) => ({
    origin: f.origin ?? defaultOrigin(logIdOf(f.publicKey, f.protocol)),
    publicKeys: [f.publicKey],
  }));
  return [...listed, ...followed];
}
