import type { EvidenceKind } from './head-check.js';

/** Two signed checkpoints of one log that cannot both be honest, as stored and served. */
export interface EvidenceRecord {
  logId: string;
  kind: EvidenceKind;
  detectedAtUnix: number;
  /** The earlier verified checkpoint note. */
  oldCheckpoint: string;
  /** The later signed checkpoint note that contradicts it. */
  newCheckpoint: string;
  detail: string;
}

/** The latest verified head of a followed log, as stored. */
export interface StoredHead {
  note: string;
  /** When it was last seen (fetched or confirmed), Unix milliseconds. */
  seenAtMs: number;
}

/**
 * An operator's reset of a compromised log, as stored: the log's first `clearedEvidence` evidence
 * records (oldest first) no longer mark it compromised; they are kept, and later ones still do.
 */
export interface StoredReset {
  clearedEvidence: number;
  resetAtUnix: number;
}
