import { verifyCheckpoint, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { sha256 } from '../crypto/sha256.js';
import { VerificationError } from '../errors.js';
import { encodeLeaf, hashLeaf, verifyInclusion } from '../log/index.js';
import { verifyMapProof, type MapProof } from '../map/index.js';
import { VerifiedNodes } from './verified-nodes.js';

/** What a log answered to Lookup(key), as untrusted bytes. */
export interface LookupAnswer {
  checkpointNote: string;
  mapProof: MapProof;
  found: boolean;
  entryIndex?: number;
  entryDigest?: Buffer;
  value?: Buffer;
  inclusionProof?: Buffer[];
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
 * already did; the outcome is the same without it.
 */
export function verifyLookupAgainst(
  checkpoint: Checkpoint,
  answer: LookupAnswer,
  key: Uint8Array,
  known?: CheckpointNodes,
): VerifiedLookup {
  const mapped = verifyMapProof(checkpoint.mapRoot, key, answer.mapProof, known?.map);
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
  const leafHash = hashLeaf(encodeLeaf(key, mapped.valueDigest));
  verifyInclusion(
    leafHash,
    mapped.logIndex,
    checkpoint.size,
    answer.inclusionProof ?? [],
    checkpoint.logRoot,
    known?.log,
  );
  if (answer.value !== undefined && !sha256(answer.value).equals(mapped.valueDigest)) {
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
