/**
 * Witness cosignatures (C2SP tlog-cosignature v1, Ed25519), a pure core with no I/O: what a
 * witness signs, and how a reader counts a checkpoint's cosignatures against a "k of these
 * witnesses" quorum. docs/PROTOCOL.md "Witness cosignatures" gives the bytes.
 *
 *   cosignatureLine(text, witnessKey, now)        the witness's signature line over a checkpoint body
 *   verifyCosignature(text, signature, key)       one line: its timestamp when it verifies
 *   checkWitnessQuorum(note, { witnesses, quorum })  does a checkpoint carry k valid cosignatures?
 *   witnessedCheckpoint(note, witnesses)          which listed witnesses validly cosigned it
 *   addCosignatures(note, answer, witness)        merge a witness's add-checkpoint answer into a note
 *   sortSignatures(note, logKeys, witnesses)      a note's lines: the log's, the witnesses', the rest
 *   parseWitnessKey / formatWitnessVerifierKey    `name:base64` key files and C2SP 0x04 vkeys
 */
export {
  cosignatureKeyId,
  cosignatureLine,
  cosignatureMessage,
  verifyCosignature,
  type VerifiedCosignature,
} from './cosignature.js';
export {
  addCosignatures,
  assertWitnessQuorum,
  checkWitnessQuorum,
  sortSignatures,
  witnessedCheckpoint,
  type QuorumCheck,
  type WitnessQuorum,
} from './cosigned-checkpoint.js';
export { formatWitnessVerifierKey, parseWitnessKey } from './witness-key.js';
