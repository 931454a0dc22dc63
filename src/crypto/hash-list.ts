import { DIGEST_LENGTH } from './sha256.js';

/**
 * A list of SHA-256 hashes packed end to end, 32 bytes each: how proofs travel and are verified.
 * One buffer per proof instead of one per hash: a follower decodes and checks tens of thousands
 * of proofs a second, and every small buffer is an allocation and a copy on both ends.
 */
export type HashList = Uint8Array;

/** The hashes, packed. */
export function packHashes(hashes: readonly Uint8Array[]): Buffer {
  return Buffer.concat(hashes);
}

/** The hashes as separate views into the list (for output and tests, not hot paths). */
export function splitHashes(list: HashList): Buffer[] {
  const view = Buffer.from(list.buffer, list.byteOffset, list.byteLength);
  const hashes: Buffer[] = [];
  for (let at = 0; at + DIGEST_LENGTH <= view.length; at += DIGEST_LENGTH) {
    hashes.push(view.subarray(at, at + DIGEST_LENGTH));
  }
  return hashes;
}

/** Why `list` is not a whole number of hashes, naming it `what`; undefined when it is. */
export function hashListProblem(list: HashList, what: string): string | undefined {
  if (list.length % DIGEST_LENGTH === 0) return undefined;
  return `${what} is ${list.length} bytes, not a whole number of ${DIGEST_LENGTH}-byte hashes`;
}

/** Number of hashes in a list whose length hashListProblem accepted. */
export function hashCount(list: HashList): number {
  return list.length / DIGEST_LENGTH;
}
