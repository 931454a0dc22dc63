import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { HashList } from '../crypto/hash-list.js';
import { TallyError } from '../errors.js';
import { verifyConsistency } from '../log/index.js';

/*
 * Pure judgement of a followed log's newly seen (signature-verified) checkpoint against the head
 * stored for it. No I/O: the caller fetches the consistency proof when the judgement asks for one.
 */

/**
 * Why a log is compromised; the `kind` of its evidence. 'audit': a mirror's replay of the entries
 * contradicts a signed checkpoint (a map root they do not give, a key twice).
 */
export type EvidenceKind = 'rollback' | 'fork' | 'inconsistent' | 'audit';

export type HeadJudgement =
  /** Nothing stored yet: trust on first use. */
  | { kind: 'first' }
  /** The same checkpoint (size and both roots) as the stored one. */
  | { kind: 'same' }
  /** Larger than the stored head: needs a consistency proof from stored.size to candidate.size. */
  | { kind: 'newer' }
  /** Smaller than the stored head: a rollback when it is the log's latest head (GetHead). */
  | { kind: 'older' }
  /** Proven misbehaviour from the two checkpoints alone. */
  | { kind: 'misbehaved'; evidence: EvidenceKind; detail: string };

export function judgeHead(stored: Checkpoint | undefined, candidate: Checkpoint): HeadJudgement {
  if (stored === undefined) return { kind: 'first' };
  if (candidate.size > stored.size) return { kind: 'newer' };
  if (candidate.size < stored.size) return { kind: 'older' };
  if (!candidate.logRoot.equals(stored.logRoot)) {
    return {
      kind: 'misbehaved',
      evidence: 'fork',
      detail: `two log roots at size ${stored.size}: ${stored.logRoot.toString('hex')} and ${candidate.logRoot.toString('hex')}`,
    };
  }
  if (!candidate.mapRoot.equals(stored.mapRoot)) {
    return {
      kind: 'misbehaved',
      evidence: 'fork',
      detail: `one log root at size ${stored.size} but two map roots: ${stored.mapRoot.toString('hex')} and ${candidate.mapRoot.toString('hex')}`,
    };
  }
  return { kind: 'same' };
}

/** Whether `proof` shows `larger` extends `smaller`: null when it does, else what failed, in words. */
export function consistencyFailure(smaller: Checkpoint, larger: Checkpoint, proof: HashList): string | null {
  try {
    verifyConsistency(smaller.size, larger.size, smaller.logRoot, larger.logRoot, proof);
    return null;
  } catch (err) {
    if (err instanceof TallyError && err.code === 'VERIFICATION_FAILED') return err.message;
    throw err;
  }
}

/** Whether a consistency proof between the two sizes can be checked without asking the log. */
export function needsNoProof(smaller: Checkpoint, larger: Checkpoint): boolean {
  return smaller.size === 0 || smaller.size === larger.size;
}
