import type { PublishedLog } from '../publisher/published-log.js';
import type { FollowedLog } from '../follower/index.js';
import type { KeyHashes } from '../verify/key-hashes.js';
import { verifyLookupAgainst } from '../verify/lookup-chain.js';
import type { Ballot } from './types.js';

/** The name the local published log votes under (reserved in [[follow]]). */
export const LOCAL_LOG_NAME = 'local';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Asks one followed log about `key` (in a LookupMany call shared with concurrent decisions) and
 * verifies the whole answer: checkpoint signature, map proof, inclusion proof, value digest, then
 * that its checkpoint is consistent with the stored head (advancing it when newer). Any failure makes the ballot unavailable: a tampered proof never votes.
 * The Lookup's deadline is the log's request timeout (set on its client). `hashes` are `key`'s,
 * shared with the other logs' ballots for the same decision. `withValue`: whether the answer
 * should carry the value (one log's per decision is enough).
 */
export async function followedBallot(
  log: FollowedLog,
  key: Buffer,
  hashes: KeyHashes,
  withValue: boolean,
): Promise<Ballot> {
  if (log.compromised) return compromisedBallot(log);
  try {
    const answer = await log.lookups.lookup(key, withValue);
    const checkpoint = log.verifiedCheckpoint(answer.checkpointNote);
    const known = log.knownNodesFor(checkpoint);
    const verified = verifyLookupAgainst(checkpoint, answer, key, known, hashes);
    const problem = await log.anchor(verified.checkpoint, answer.checkpointNote);
    // This very answer may be what proved the log compromised.
    if (problem !== null)
      return log.compromised ? compromisedBallot(log) : ballotOf(log, 'unavailable', problem);
    if (!verified.present)
      return ballotOf(log, 'absent', `proven absent at size ${verified.checkpoint.size}`);
    const detail = `entry ${verified.index} at size ${verified.checkpoint.size}`;
    return ballotOf(log, 'agrees', detail, verified.digest, verified.value);
  } catch (err) {
    return ballotOf(log, 'unavailable', messageOf(err));
  }
}

/** A compromised log stays in the electorate, never agreeing: its reason is its evidence's. */
const compromisedBallot = (log: FollowedLog): Ballot => ballotOf(log, 'compromised', log.reason);

/** A followed log's ballot, built in one object literal: a decision makes five of them. */
function ballotOf(
  log: FollowedLog,
  status: Ballot['status'],
  detail: string,
  digest?: Buffer,
  value?: Buffer,
): Ballot {
  const { id: logId, name } = log;
  return { logId, name, weight: log.config.weight, status, digest, value, detail };
}

/** This node's own log votes from its store directly: its data is the one thing it need not verify. */
export async function localBallot(log: PublishedLog, key: Buffer): Promise<Ballot> {
  const base = { logId: log.id, name: LOCAL_LOG_NAME, weight: 1 };
  try {
    const found = await log.store.lookup(key);
    if (!found.entry)
      return { ...base, status: 'absent', detail: `absent at size ${found.head.checkpoint.size}` };
    return {
      ...base,
      status: 'agrees',
      digest: found.entry.valueDigest,
      value: found.value ?? undefined,
      detail: `entry ${found.entry.index} at size ${found.head.checkpoint.size}`,
    };
  } catch (err) {
    return { ...base, status: 'unavailable', detail: messageOf(err) };
  }
}
