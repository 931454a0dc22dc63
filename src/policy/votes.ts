import type { LuaState } from 'fengari';

import { InvalidArgumentError } from '../errors.js';
import { pushNumber, pushString } from './lua-values.js';
import { fengari } from './meter.js';
import { DIGEST_HEX, type Vote, type VoteStatus } from './types.js';

const { lua } = fengari;

const STATUS_CODES: Record<VoteStatus, number> = { agrees: 1, absent: 2, unavailable: 3 };
const FIELDS_PER_VOTE = 5;

/**
 * Builds the vote tables inside Lua from flat arguments. fengari's C API is slow per call (every
 * pop deletes from its stack array), so one call with 5 values per vote beats ~10 API calls per
 * vote by about 3x; the keys and status strings are constants of this chunk, hashed once.
 */
export const VOTE_BUILDER_SOURCE = `
local statuses = { "agrees", "absent", "unavailable" }
return function(n, ...)
  local fields, votes = { ... }, {}
  for i = 1, n do
    local at = (i - 1) * ${FIELDS_PER_VOTE}
    votes[i] = {
      name = fields[at + 1], id = fields[at + 2], weight = fields[at + 3],
      status = statuses[fields[at + 4]], digest = fields[at + 5],
    }
  end
  return votes
end`;

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
  if (!Object.hasOwn(STATUS_CODES, vote.status)) return 'status must be agrees, absent or unavailable';
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
 * Calls the vote builder (pushed by the caller, on top of the stack) with the votes, protected,
 * leaving the array `{ { name=, id=, weight=, status=, digest= }, ... }` in its place.
 * Returns false if the votes do not fit on the Lua stack, else the pcall status.
 */
export function buildVotes(L: LuaState, votes: readonly Vote[]): false | number {
  if (!lua.lua_checkstack(L, votes.length * FIELDS_PER_VOTE + 1)) return false;
  lua.lua_pushinteger(L, votes.length);
  for (const vote of votes) {
    pushString(L, vote.logName);
    pushString(L, vote.logId);
    pushNumber(L, vote.weight);
    lua.lua_pushinteger(L, STATUS_CODES[vote.status]);
    if (vote.digest === null) lua.lua_pushnil(L);
    else pushString(L, vote.digest);
  }
  return lua.lua_pcall(L, votes.length * FIELDS_PER_VOTE + 1, 1, 0);
}
