import type { AuditFailure, MirrorStore } from '../store/mirror-store.js';

/** Entries replayed into the map per stored step: bounds memory, and what a restart redoes. */
const AUDIT_CHUNK = 16_384;

/** What an audit run checked (from entry 0, counting what earlier runs checked), or what failed. */
export interface AuditOutcome {
  /** Entries replayed into the map from entry 0, each key checked to appear once. */
  auditedSize: number;
  /** Mirrored checkpoints whose tree root and map root the replay reproduced, in this run. */
  checkpointsChecked: number;
  /** The largest checkpoint checked so far (this run or before); 0 when none. */
  lastCheckedSize: number;
  failure: AuditFailure | null;
}

/**
 * Audits a mirror incrementally up to its head: replays the entries not yet audited into the
 * recomputed map (first write wins: no key twice) and, at every checkpoint the mirror stored,
 * checks its tree root and the map root its extension line signs. Stops at the first failure.
 * `onProgress` hears of each step (entries audited, of the head's size).
 */
export async function auditMirror(
  store: MirrorStore,
  onProgress?: (audited: number, target: number) => void,
): Promise<AuditOutcome> {
  const target = store.size;
  const start = store.auditedSize;
  const checkpoints = await store.checkpointsBetween(start + 1, target);
  // Where the last checked checkpoint is: a map root that fails blames the entries after it.
  const before = start === 0 ? [] : await store.checkpointsBetween(0, start);
  let lastCheckedSize = before.at(-1)?.checkpoint.size ?? 0;
  let checkpointsChecked = 0;
  let next = 0;
  while (store.auditedSize < target) {
    const at = store.auditedSize;
    const checkpoint = checkpoints[next];
    const end = Math.min(at + AUDIT_CHUNK, checkpoint?.checkpoint.size ?? target);
    const atCheckpoint =
      checkpoint !== undefined && end === checkpoint.checkpoint.size ? checkpoint : undefined;
    const failure = await store.audit(end, atCheckpoint);
    if (failure !== null) {
      // A wrong map root is somewhere in the entries since the last checked checkpoint.
      const blamed = failure.detail.includes('repeats the key')
        ? failure
        : { ...failure, firstBadIndex: lastCheckedSize };
      return { auditedSize: store.auditedSize, checkpointsChecked, lastCheckedSize, failure: blamed };
    }
    if (atCheckpoint !== undefined) {
      checkpointsChecked++;
      lastCheckedSize = end;
      next++;
    }
    onProgress?.(end, target);
  }
  return { auditedSize: store.auditedSize, checkpointsChecked, lastCheckedSize, failure: null };
}
