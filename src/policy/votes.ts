import type { LuaState } from 'fengari';

import { InvalidArgumentError } from '../errors.js';
import type { LuaTable, LuaValue } from './fengari-internals.js';
import { cachedStringValue, constantStringValue, numberValue, stringValue } from './lua-values.js';
import { fengari } from './meter.js';
import { DIGEST_HEX, type Vote, type VoteStatus } from './types.js';

const { lua, internals } = fengari;

const STATUS_WORDS: Record<VoteStatus, LuaValue> = {
  agrees: constantStringValue('agrees'),
  absent: constantStringValue('absent'),
  unavailable: constantStringValue('unavailable'),
  compromised: constantStringValue('compromised'),
};
const FIELD = {
  name: constantStringValue('name'),
  id: constantStringValue('id'),
  weight: constantStringValue('weight'),
  status: constantStringValue('status'),
  digest: constantStringValue('digest'),
};

/** Checks the caller's votes: a malformed vote is a bug in the decide layer, not a policy's problem. */
export function validateVotes(votes: readonly Vote[]): void {
  votes.forEach((vote, i) => {
    const problem = voteProblem(vote);
    if (problem)
      throw new InvalidArgumentError(`votes[${i}] (log ${JSON.stringify(vote.logName)}): ${problem}`);
  });
}

function voteProblem(vote: Vote): string | null {
  if (typeof vote.logName !== 'string' || vote.logName === '') return 'logName must be a non-empty string';
  if (typeof vote.logId !== 'string' || vote.logId === '') return 'logId must be a non-empty string';
  if (typeof vote.weight !== 'number' || !Number.isFinite(vote.weight) || vote.weight < 0) {
    return 'weight must be a finite number >= 0';
  }
  if (!Object.hasOwn(STATUS_WORDS, vote.status))
    return 'status must be agrees, absent, unavailable or compromised';
  if (vote.status === 'agrees') {
    if (typeof vote.digest !== 'string' || !DIGEST_HEX.test(vote.digest)) {
      return 'an agreeing vote needs a digest of 64 lowercase hex digits';
    }
  } else if (vote.digest !== null) {
    return `a vote with status ${vote.status} has no digest (must be null)`;
  }
  return null;
}

/**
 * Pushes the votes as a new array `{ { name=, id=, weight=, status=, digest= }, ... }` (no digest
 * when there is none), built in place. Agreeing votes mostly share a digest: each distinct digest
 * becomes one Lua string, so it is encoded and hashed as a table key once.
 */
export function pushVotes(L: LuaState, votes: readonly Vote[]): void {
  lua.lua_createtable(L, votes.length, 0);
  const list = lua.lua_topointer(L, -1) as LuaTable;
  const digests = new Map<string, LuaValue>();
  for (let i = 0; i < votes.length; i++) {
    const vote = votes[i] as Vote;
    const fields = internals.newTable(L);
    internals.setField(L, fields, FIELD.name, cachedStringValue(vote.logName));
    internals.setField(L, fields, FIELD.id, cachedStringValue(vote.logId));
    internals.setField(L, fields, FIELD.weight, numberValue(vote.weight));
    internals.setField(L, fields, FIELD.status, STATUS_WORDS[vote.status]);
    if (vote.digest !== null) {
      let digest = digests.get(vote.digest);
      if (digest === undefined) digests.set(vote.digest, (digest = stringValue(vote.digest)));
      internals.setField(L, fields, FIELD.digest, digest);
    }
    internals.setIndex(list, i + 1, internals.tableValue(fields));
  }
}
