import { largestPowerOfTwoBelow } from './bits.js';
import type { LeafRange } from './node-id.js';

/*
 * The shapes of RFC 9162 proofs: which leaf ranges' MTHs form each proof, in proof order. These
 * walk the RFC's recursive definitions top-down (k = largest power of two < n at every step), so
 * they take O(log n) steps. Callers validate the arguments.
 */

/** RFC 9162 2.1.3.1 PATH(index, D[0:size]): the sibling ranges, ordered leaf to root. */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  const rootToLeaf: LeafRange[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = largestPowerOfTwoBelow(n);
    if (m < k) {
      rootToLeaf.push({ start: start + k, count: n - k });
      n = k;
    } else {
      rootToLeaf.push({ start, count: k });
      start += k;
      m -= k;
      n -= k;
    }
  }
  return rootToLeaf.reverse();
}

/** RFC 9162 2.1.4.1 PROOF(m, D[0:n]) for 0 < m <= n: the ranges of the proof, in proof order. */
export function consistencyProofRanges(m: number, n: number): LeafRange[] {
  const siblingsRootFirst: LeafRange[] = [];
  let start = 0;
  let oldSize = m;
  let newSize = n;
  // SUBPROOF's flag b: true while the walk has only gone left, so [start, start + oldSize) is the
  // whole old tree and the verifier already holds its hash (the old root); the RFC omits it then.
  let knownToVerifier = true;
  while (oldSize !== newSize) {
    const k = largestPowerOfTwoBelow(newSize);
    if (oldSize <= k) {
      siblingsRootFirst.push({ start: start + k, count: newSize - k });
      newSize = k;
    } else {
      siblingsRootFirst.push({ start, count: k });
      start += k;
      oldSize -= k;
      newSize -= k;
      knownToVerifier = false;
    }
  }
  const ranges = knownToVerifier ? [] : [{ start, count: oldSize }];
  return ranges.concat(siblingsRootFirst.reverse());
}
