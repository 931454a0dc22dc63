import { lookupAnswerFromResponse } from '../api/lookup-answer.js';
import type { PublicClient } from '../api/client.js';
import { parsePublicKey, type PublicKey } from '../crypto/ed25519-keys.js';
import { TallyError } from '../errors.js';
import { verifyLookupChain } from '../verify/lookup-chain.js';
import type { CommandResult } from './output.js';
import { valueText } from './value-text.js';

/**
 * Lookup(key) and a client-side check of the whole chain. With `trustedKey` the checkpoint must be
 * signed by that key; without, by the key the node itself advertises (which proves integrity of
 * the answer, not who runs the log — said in the output).
 */
export async function verifiedLookup(
  client: PublicClient,
  logId: string,
  key: Buffer,
  trustedKey: PublicKey | undefined,
): Promise<CommandResult> {
  const { logs } = await client.listLogs({});
  const published = logs.filter((l) => l.role === 'published');
  const info =
    logId === ''
      ? published[0]
      : (logs.find((l) => l.logId === logId) ?? published.find((l) => l.name === logId));
  if (!info) throw new TallyError('NOT_FOUND', `the node does not serve log ${logId || '(default)'}`);
  const logKey = trustedKey ?? parsePublicKey(info.publicKey);
  const response = await client.lookup({ logId: info.logId, key });
  const result = verifyLookupChain(lookupAnswerFromResponse(response), key, logKey, info.origin);
  const keySource = trustedKey ? 'the given key' : "the node's advertised key";
  const base = {
    logId: info.logId,
    key: key.toString('hex'),
    size: result.checkpoint.size,
    verifiedWith: keySource,
  };
  if (!result.present) {
    return {
      human: `absent (proven by a verified non-membership proof at size ${result.checkpoint.size}, checkpoint signed by ${keySource})`,
      json: { ...base, present: false },
    };
  }
  const value = result.value;
  return {
    human: [
      `present at index ${result.index} (verified chain at size ${result.checkpoint.size}, checkpoint signed by ${keySource})`,
      `digest ${result.digest.toString('hex')}`,
      ...(value ? [valueText(value)] : []),
    ].join('\n'),
    json: {
      ...base,
      present: true,
      index: result.index,
      digest: result.digest.toString('hex'),
      value: value?.toString('base64'),
    },
  };
}
