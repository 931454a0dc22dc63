import { InvalidArgumentError, VerificationError } from '../errors.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import {
  formatSignatureLine,
  MAX_NOTE_SIGNATURES,
  noteKeyId,
  parseNote,
  type NoteSignature,
} from '../crypto/signed-note.js';
import { isCosignatureBy, verifyCosignature, type VerifiedCosignature } from './cosignature.js';

/**
 * A checkpoint note's signature lines sorted by whose they claim to be: the log's (Ed25519 note
 * signatures, key ID type 0x01), listed witnesses' (v1 cosignatures, type 0x04), and the rest,
 * which every reader ignores (signed-note: "verifiers MUST ignore signatures from unknown keys").
 * Nothing is verified here; a name and key ID only say whose a line claims to be.
 */
export interface SortedSignatures {
  /** The note text (checkpoint body), ending in "\n". */
  text: string;
  log: NoteSignature[];
  cosignatures: { witness: PublicKey; signature: NoteSignature }[];
  unknown: NoteSignature[];
}

export function sortSignatures(
  noteText: string | Uint8Array,
  logKeys: readonly PublicKey[],
  witnesses: readonly PublicKey[],
): SortedSignatures {
  const note = parseNote(noteText);
  const sorted: SortedSignatures = { text: note.text, log: [], cosignatures: [], unknown: [] };
  for (const signature of note.signatures) {
    const witness = witnesses.find((w) => isCosignatureBy(signature, w));
    if (witness) sorted.cosignatures.push({ witness, signature });
    else if (
      logKeys.some((k) => k.name === signature.name && noteKeyId(k.name, k.publicKey) === signature.keyId)
    )
      sorted.log.push(signature);
    else sorted.unknown.push(signature);
  }
  return sorted;
}

/** The valid cosignatures of a checkpoint by listed witnesses. */
export interface WitnessedCheckpoint {
  text: string;
  /** One per witness (the newest when it signed more than once), in the order `witnesses` lists them. */
  cosignedBy: VerifiedCosignature[];
  /** Listed witnesses with a cosignature line that did not verify (or lay in the future), and why. */
  failed: { name: string; reason: string }[];
}

export interface CosignatureOptions {
  /** POSIX seconds: a cosignature stamped later does not count (the spec lets verifiers refuse those). */
  notAfter?: number;
}

/** Verifies the cosignatures by `witnesses` on a checkpoint; other signature lines are ignored. */
export function witnessedCheckpoint(
  noteText: string | Uint8Array,
  witnesses: readonly PublicKey[],
  options: CosignatureOptions = {},
): WitnessedCheckpoint {
  const sorted = sortSignatures(noteText, [], witnesses);
  const newest = new Map<PublicKey, VerifiedCosignature>();
  const failed: WitnessedCheckpoint['failed'] = [];
  for (const { witness, signature } of sorted.cosignatures) {
    const verified = verifyCosignature(sorted.text, signature, witness);
    if (verified === undefined) {
      failed.push({ name: witness.name, reason: 'the cosignature does not verify' });
    } else if (options.notAfter !== undefined && verified.timestamp > options.notAfter) {
      failed.push({
        name: witness.name,
        reason: `the cosignature is stamped in the future (${verified.timestamp})`,
      });
    } else if ((newest.get(witness)?.timestamp ?? -1) < verified.timestamp) {
      newest.set(witness, verified);
    }
  }
  const cosignedBy = witnesses.flatMap((w) => newest.get(w) ?? []);
  return { text: sorted.text, cosignedBy, failed };
}

/** "k of these witnesses": a checkpoint counts only with valid cosignatures from `quorum` of them. */
export interface WitnessQuorum {
  witnesses: readonly PublicKey[];
  quorum: number;
}

export interface QuorumCheck extends WitnessedCheckpoint {
  met: boolean;
  /** Why the quorum is met or not, in words (names the witnesses). */
  reason: string;
}

/** Checks the shape of a quorum: 0 <= quorum <= distinct witnesses, no name listed with two keys. */
export function assertWitnessQuorum(policy: WitnessQuorum): void {
  const { witnesses, quorum } = policy;
  for (const [i, w] of witnesses.entries()) {
    if (witnesses.slice(0, i).some((other) => other.name === w.name)) {
      throw new InvalidArgumentError(`witness ${JSON.stringify(w.name)} is listed twice`);
    }
  }
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new InvalidArgumentError(`witness quorum ${quorum} must be an integer in 0..${witnesses.length}`);
  }
}

/** Counts a checkpoint's valid cosignatures by the listed witnesses against the quorum. */
export function checkWitnessQuorum(
  noteText: string | Uint8Array,
  policy: WitnessQuorum,
  options: CosignatureOptions = {},
): QuorumCheck {
  assertWitnessQuorum(policy);
  const witnessed = witnessedCheckpoint(noteText, policy.witnesses, options);
  const count = witnessed.cosignedBy.length;
  const met = count >= policy.quorum;
  const names = witnessed.cosignedBy.map((c) => c.name).join(', ') || 'none';
  const failures = witnessed.failed.map((f) => `; ${f.name}: ${f.reason}`).join('');
  const reason = `${count} of ${policy.witnesses.length} listed witnesses cosigned (${names}), quorum ${policy.quorum}${failures}`;
  return { ...witnessed, met, reason };
}

/**
 * Adds a witness's answer to add-checkpoint (its cosignature lines) to a checkpoint note. Lines
 * that are not valid cosignatures by `witness` over this checkpoint are dropped (tlog-witness:
 * "the client MUST ignore any cosignatures from unknown keys"); the witness's earlier cosignatures
 * on the note are replaced. Throws VerificationError when the answer holds no valid one.
 */
export function addCosignatures(noteText: string, cosignatureLines: string, witness: PublicKey): string {
  const note = parseNote(noteText);
  const answer = parseNote(`${note.text}\n${cosignatureLines}`);
  const fresh = answer.signatures.filter((s) => verifyCosignature(note.text, s, witness) !== undefined);
  if (fresh.length === 0) {
    throw new VerificationError(
      `witness ${witness.name}: the answer holds no valid cosignature of this checkpoint`,
    );
  }
  const kept = note.signatures.filter((s) => !isCosignatureBy(s, witness));
  const all = [...kept, ...fresh];
  if (all.length > MAX_NOTE_SIGNATURES) {
    throw new InvalidArgumentError(`signed note: cannot hold more than ${MAX_NOTE_SIGNATURES} signatures`);
  }
  return `${note.text}\n${all.map(formatSignatureLine).join('')}`;
}
