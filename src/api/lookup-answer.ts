import { InvalidArgumentError } from '../errors.js';
import type { LookupAnswer } from '../verify/lookup-chain.js';
import type { KeyLookup, LookupResponse } from './gen/tally/v1/log.js';

/** Converts a wire Lookup response into the untrusted answer `verifyLookupChain` checks. */
export function lookupAnswerFromResponse(response: LookupResponse): LookupAnswer {
  return lookupAnswerOf(response.checkpoint, response);
}

/**
 * Converts one LookupMany answer, with the response's shared checkpoint, the same way.
 * `valueOmitted`: the request asked for no value (its empty bytes are not a value).
 */
export function lookupAnswerOf(
  checkpointNote: string,
  answer: KeyLookup,
  valueOmitted = false,
): LookupAnswer {
  const proof = answer.mapProof;
  if (!proof) throw new InvalidArgumentError('lookup answer has no map proof');
  return {
    checkpointNote,
    mapProof: {
      depth: proof.depth,
      emptyBitmap: proof.emptyBitmap,
      siblings: proof.siblings,
      leaf: proof.leaf ?? null,
    },
    found: answer.found,
    entryIndex: answer.entry?.index,
    entryDigest: answer.entry?.valueDigest,
    value: answer.found && !valueOmitted ? answer.value : undefined,
    inclusionProof: answer.inclusionProof,
  };
}
