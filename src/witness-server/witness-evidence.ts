import type { WitnessEvidenceKind } from '../witness/add-checkpoint.js';

/**
 * A submission to the witness whose checkpoint verified under the log's key but contradicts the
 * latest one the witness cosigned: both notes are signed by the log, so the pair (with the proof
 * that failed) shows anyone that the log misbehaved.
 */
export interface WitnessEvidenceRecord {
  origin: string;
  kind: WitnessEvidenceKind;
  detectedAtUnix: number;
  /** The latest cosigned checkpoint note, as it was submitted. */
  oldCheckpoint: string;
  /** The submitted checkpoint note that contradicts it. */
  newCheckpoint: string;
  /** The request's `old` size and consistency proof lines (base64), exactly as sent. */
  oldSize: number;
  proof: string[];
  detail: string;
}
