import { InvalidArgumentError } from '../errors.js';
import type { LookupAnswer } from '../verify/lookup-chain.js';
import type { LookupResponse } from './gen/tally/v1/log.js';

/** Converts a wire Lookup response into the untrusted answer `verifyLookupChain` checks. */
export function lookupAnswerFromResponse(response: LookupResponse): LookupAnswer {
  const proof = response.mapProof;
  if (!proof) throw new InvalidArgumentError('lookup response has no map proof');
  return {
    checkpointNote: response.checkpoint,
    mapProof: {
      depth: proof.depth,
      emptyBitmap: proof.emptyBitmap,
      siblings: proof.siblings,
      leaf: proof.leaf ?? null,
    },
    found: response.found,
    entryIndex: response.entry?.index,
    entryDigest: response.entry?.valueDigest,
    value: response.found ? response.value : undefined,
    inclusionProof: response.inclusionProof,
  };
}
