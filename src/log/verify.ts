import { equalBytes } from '../crypto/equal-bytes.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { VerificationError } from '../errors.js';
import { requireCount } from './bits.js';
import { EMPTY_ROOT, hashChildren, hashChildrenAt } from './hasher.js';
import { consistencyProofRanges } from './proof-ranges.js';
import { hashCount, hashListProblem, splitHashes, type HashList } from '../crypto/hash-list.js';
import { PathSteps, rootOfPath } from '../crypto/merkle-path.js';

/*
 * Pure RFC 9162 verifiers. Proofs, hashes and roots are untrusted input: anything wrong with them
 * throws VerificationError. Sizes and indices that are not non-negative safe integers are caller
 * bugs and throw InvalidArgumentError. The walks below halve numbers with exact division because
 * JS shift operators truncate to 32 bits.
 */

/**
 * RFC 9162 2.1.3.2: the root implied by leafHash at index in a tree of size, given its inclusion
 * proof. Throws VerificationError if index >= size or the proof has the wrong shape.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: HashList,
): Buffer {
  const root = rootOfPath(leafHash, inclusionPathSteps(leafHash, index, size, proof), hashChildrenAt);
  return Buffer.from(root);
}

/**
 * RFC 9162 2.1.3.2: checks that leafHash is at index in the tree of size with the given root.
 * (verify/verified-nodes.ts wraps this with a memo of nodes earlier proofs verified.)
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: HashList,
  root: Uint8Array,
): void {
  checkDigest('inclusion proof', 'root', root);
  const steps = inclusionPathSteps(leafHash, index, size, proof);
  const computed = rootOfPath(leafHash, steps, hashChildrenAt);
  if (!equalBytes(computed, root)) {
    fail(
      'inclusion proof',
      `leaf ${index} in tree size ${size} leads to root ${hex(computed)}, expected ${hex(root)}`,
    );
  }
}

/**
 * The RFC 9162 2.1.3.2 walk from a leaf towards the root as steps, after checking the proof's
 * shape; no hashing. (level, fn) names the node of the tree of `size` covering leaves
 * [fn * 2^level, min((fn + 1) * 2^level, size)); a right-edge node that covers the same leaves at
 * several levels is named at the highest, so every node has one name (VerifiedNodes needs that).
 */
export function inclusionPathSteps(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: HashList,
  steps: PathSteps = new PathSteps(MAX_INCLUSION_STEPS),
): PathSteps {
  requireCount('leaf index', index);
  requireCount('tree size', size);
  if (index >= size) fail('inclusion proof', `leaf index ${index} is out of range for tree size ${size}`);
  checkDigest('inclusion proof', 'leaf hash', leafHash);
  const problem = hashListProblem(proof, 'the proof');
  if (problem !== undefined) fail('inclusion proof', problem);
  steps.start(proof);
  // RFC 9162 steps 2-5. The positions depend only on index and size, and their number is the
  // proof's exact length (the RFC's sn === 0 checks, done once the walk is known).
  let fn = index;
  let sn = size - 1;
  let level = 0;
  while (sn !== 0) {
    // Past the end for a short proof, refused below before any walk.
    const sibling = steps.length * DIGEST_LENGTH;
    if (fn % 2 === 1 || fn === sn) {
      // fn == sn and even: skip the levels where this node has no right sibling. The node is named
      // by the position it reaches, the same one a walk that meets it as a right sibling uses.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
        level++;
      }
      steps.push(level, fn, false, sibling);
    } else {
      steps.push(level, fn, true, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    level++;
  }
  if (hashCount(proof) !== steps.length) {
    fail(
      'inclusion proof',
      `has ${hashCount(proof)} hashes, expected ${steps.length} for leaf ${index} in tree size ${size}`,
    );
  }
  return steps;
}

/**
 * RFC 9162 2.1.4.2: checks that the tree of size m with root oldRoot is a prefix of the tree of
 * size n with root newRoot. For m == n the proof must be empty and the roots equal; for m == 0 the
 * proof must be empty and oldRoot must be the empty-tree root (any newRoot is consistent with it).
 */
export function verifyConsistency(
  m: number,
  n: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  packedProof: HashList,
): void {
  const what = 'consistency proof';
  const problem = hashListProblem(packedProof, 'the proof');
  if (problem !== undefined) fail(what, problem);
  const proof = splitHashes(packedProof);
  requireCount('old tree size', m);
  requireCount('new tree size', n);
  if (m > n) fail(what, `old tree size ${m} is larger than new tree size ${n}`);
  checkDigest(what, 'old root', oldRoot);
  checkDigest(what, 'new root', newRoot);
  const expectedLength = m === 0 ? 0 : consistencyProofRanges(m, n).length;
  if (proof.length !== expectedLength) {
    fail(what, `has ${proof.length} hashes, expected ${expectedLength} from size ${m} to size ${n}`);
  }

  if (m === 0) {
    if (!EMPTY_ROOT.equals(oldRoot))
      fail(what, `old root of the empty tree is ${hex(oldRoot)}, not the empty root`);
    if (n > 0) return; // every tree extends the empty tree
  }
  if (m === n) {
    if (!Buffer.from(oldRoot).equals(newRoot)) {
      fail(what, `trees of equal size ${m} have different roots ${hex(oldRoot)} and ${hex(newRoot)}`);
    }
    return;
  }

  // Step 2: when m is a power of two the old tree is a perfect subtree the proof omits; its hash is
  // the old root.
  const path = isPowerOfTwo(m) ? [oldRoot, ...proof] : proof;
  // RFC 9162 steps 3-7 verbatim; after the exact length check its sn === 0 guards cannot trip.
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) fail(what, 'is longer than the path to the new root');
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      // fn == sn and even: skip the levels where this node has no right sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) fail(what, 'is shorter than the path to the new root');
  if (!fr.equals(oldRoot)) fail(what, `leads to old root ${fr.toString('hex')}, expected ${hex(oldRoot)}`);
  if (!sr.equals(newRoot)) fail(what, `leads to new root ${sr.toString('hex')}, expected ${hex(newRoot)}`);
}

function isPowerOfTwo(n: number): boolean {
  let v = n;
  while (v % 2 === 0 && v > 1) v /= 2;
  return v === 1;
}

/** A log of at most 2^63 leaves has inclusion proofs of at most 63 hashes. */
const MAX_INCLUSION_STEPS = 64;

function checkDigest(what: string, name: string, hash: Uint8Array): void {
  if (hash.length !== DIGEST_LENGTH) fail(what, `${name} is ${hash.length} bytes, expected ${DIGEST_LENGTH}`);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function fail(what: string, detail: string): never {
  throw new VerificationError(`${what}: ${detail}`);
}
