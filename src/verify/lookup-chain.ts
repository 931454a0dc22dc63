import { verifyCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { equalBytes } from '../crypto/equal-bytes.js';
import { InvalidArgumentError, VerificationError } from '../errors.js';
import { verifyInclusion } from '../log/index.js';
import { verifyMapProofAt, type MapProof } from '../map/index.js';
import { KeyHashes } from './key-hashes.js';
import { VerifiedNodes, verifyInclusionKnown, verifyMapProofKnown } from './verified-nodes.js';

const NO_HASHES = new Uint8Array(0);

/** What a log answered to Lookup(key), as untrusted bytes. */
export interface LookupAnswer {
  checkpointNote: string;
  mapProof: MapProof;
  found: boolean;
  entryIndex?: number;
  entryDigest?: Buffer;
  value?: Buffer;
  /** The inclusion proof's hashes, packed (a HashList). */
  inclusionProof?: Buffer;
}

/** Verified nodes of both trees of one checkpoint (see VerifiedNodes). */
export interface CheckpointNodes {
  map: VerifiedNodes;
  log: VerifiedNodes;
}

/** Empty verified-node sets for a checkpoint's two roots. */
export function checkpointNodesFor(checkpoint: Checkpoint): CheckpointNodes {
  return { map: new VerifiedNodes(checkpoint.mapRoot), log: new VerifiedNodes(checkpoint.logRoot) };
}

export type VerifiedLookup =
  | { checkpoint: Checkpoint; present: true; index: number; digest: Buffer; value?: Buffer }
  | { checkpoint: Checkpoint; present: false };

/**
 * Verifies the whole chain of a Lookup without trusting the server:
 * checkpoint signature -> map root -> map entry (or proven absence) -> log leaf -> value digest.
 * Throws VerificationError naming the first link that fails.
 */
export function verifyLookupChain(
  answer: LookupAnswer,
  key: Uint8Array,
  logKey: PublicKey,
  expectedOrigin?: string,
): VerifiedLookup {
  return verifyLookupAgainst(verifyCheckpoint(answer.checkpointNote, logKey, expectedOrigin), answer, key);
}

/**
 * The rest of the chain, for a caller that has already verified `answer.checkpointNote` and parsed
 * it into `checkpoint` (a follower remembers notes it verified, and one LookupMany checkpoint
 * serves many answers). `known` saves hashing steps earlier answers against the same checkpoint
 * already did, and `keyHashes` (for `key`) hashes other logs' answers about the key already needed;
 * the outcome is the same without them.
 */
export function verifyLookupAgainst(
  checkpoint: Checkpoint,
  answer: LookupAnswer,
  key: Uint8Array,
  known?: CheckpointNodes,
  keyHashes?: KeyHashes,
): VerifiedLookup {
  if (keyHashes && !equalBytes(keyHashes.key, key))
    throw new InvalidArgumentError('the key hashes belong to another key');
  const hashes = keyHashes ?? new KeyHashes(key);
  const mapped = known
    ? verifyMapProofKnown(known.map, checkpoint.mapRoot, hashes.path(), answer.mapProof)
    : verifyMapProofAt(checkpoint.mapRoot, hashes.path(), answer.mapProof);
  if (mapped === null) {
    if (answer.found)
      throw new VerificationError('lookup: server says found, but the map proof proves absence');
    return { checkpoint, present: false };
  }
  if (!answer.found)
    throw new VerificationError('lookup: server says not found, but the map proof proves presence');
  if (answer.entryIndex !== undefined && answer.entryIndex !== mapped.logIndex) {
    throw new VerificationError(
      `lookup: entry index ${answer.entryIndex} differs from the map's ${mapped.logIndex}`,
    );
  }
  if (answer.entryDigest !== undefined && !answer.entryDigest.equals(mapped.valueDigest)) {
    throw new VerificationError("lookup: entry digest differs from the map's");
  }
  if (mapped.logIndex >= checkpoint.size) {
    throw new VerificationError(
      `lookup: map index ${mapped.logIndex} is outside the log (size ${checkpoint.size})`,
    );
  }
  const leafHash = hashes.logLeafHash(mapped.valueDigest);
  const inclusionProof = answer.inclusionProof ?? NO_HASHES;
  if (known) {
    verifyInclusionKnown(
      known.log,
      leafHash,
      mapped.logIndex,
      checkpoint.size,
      inclusionProof,
      checkpoint.logRoot,
    );
  } else {
    verifyInclusion(leafHash, mapped.logIndex, checkpoint.size, inclusionProof, checkpoint.logRoot);
  }
  if (answer.value !== undefined && !hashes.valueDigest(answer.value).equals(mapped.valueDigest)) {
    throw new VerificationError('lookup: value does not hash to the logged digest');
  }
  return {
    checkpoint,
    present: true,
    index: mapped.logIndex,
    digest: mapped.valueDigest,
    value: answer.value,
  };
}
