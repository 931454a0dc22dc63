import { VerificationError } from '../errors.js';
import { decodeMapProof, encodeMapProof } from '../map/index.js';
import { packHashes } from '../crypto/hash-list.js';
import type { LookupResult } from '../store/log-store.js';
import type { LookupAnswer } from '../verify/lookup-chain.js';

/*
 * The HTTP lookup answer (docs/PROTOCOL.md, "The log as tiles", §5): what LookupMany answers, as
 * JSON. Bytes are base64 (standard alphabet, padded); the map proof is its §4.1 encoding and the
 * inclusion proof its hashes packed end to end.
 */

export interface LookupJson {
  checkpoint: string;
  answers: LookupAnswerJson[];
}

export interface LookupAnswerJson {
  found: boolean;
  map_proof: string;
  index?: number;
  value_digest?: string;
  inclusion_proof?: string;
  value?: string;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The JSON body for lookups that were all answered against one head. */
export function lookupJsonOf(results: readonly LookupResult[], checkpoint: string): LookupJson {
  return {
    checkpoint,
    answers: results.map((r) => {
      const answer: LookupAnswerJson = {
        found: r.entry !== undefined,
        map_proof: b64(encodeMapProof(r.mapProof)),
      };
      if (r.entry) {
        answer.index = r.entry.index;
        answer.value_digest = b64(r.entry.valueDigest);
        answer.inclusion_proof = b64(packHashes(r.inclusionProof ?? []));
        if (r.value) answer.value = b64(r.value);
      }
      return answer;
    }),
  };
}

/** The untrusted answers of a lookup body, for verifyLookupChain; `count` keys were asked. */
export function lookupAnswersFromJson(body: unknown, count: number): LookupAnswer[] {
  const json = body as Partial<LookupJson> | null;
  if (typeof json?.checkpoint !== 'string' || !Array.isArray(json.answers)) {
    throw new VerificationError('lookup: the body is not a lookup answer');
  }
  if (json.answers.length !== count) {
    throw new VerificationError(`lookup: ${json.answers.length} answers for ${count} keys`);
  }
  const note = json.checkpoint;
  return json.answers.map((a: Partial<LookupAnswerJson>, i) => {
    const bytes = (field: string, text: unknown) => {
      if (text === undefined) return undefined;
      if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
        throw new VerificationError(`lookup: answer ${i} ${field} is not base64`);
      }
      return Buffer.from(text, 'base64');
    };
    if (typeof a.found !== 'boolean') throw new VerificationError(`lookup: answer ${i} has no found flag`);
    if (a.index !== undefined && !Number.isSafeInteger(a.index))
      throw new VerificationError(`lookup: answer ${i} index is not an integer`);
    return {
      checkpointNote: note,
      mapProof: decodeMapProof(bytes('map_proof', a.map_proof) ?? Buffer.alloc(0)),
      found: a.found,
      entryIndex: a.index,
      entryDigest: bytes('value_digest', a.value_digest),
      value: bytes('value', a.value),
      inclusionProof: bytes('inclusion_proof', a.inclusion_proof),
    };
  });
}
