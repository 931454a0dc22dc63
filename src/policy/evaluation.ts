import { Budget, PolicyLimitError } from './budget.js';
import type { CompiledChunk } from './compile.js';
import type { PolicyLimits } from './limits.js';
import { fengari, withBudget } from './meter.js';
import { pushParams } from './params.js';
import { errorMessage, readResult, type Verdict } from './result.js';
import { armInstructionHook, pushFreshEnvironment } from './sandbox.js';
import type { PolicyParams, Vote } from './types.js';
import { pushVotes } from './votes.js';

const { lua } = fengari;

/**
 * One evaluation: runs the chunk in a fresh environment, calls the function it returns with the
 * votes and params, and reads the result, all under one budget. Never throws for anything the
 * policy does; `stopped` verdicts mean the state must not be used again.
 */
export function runPolicy(
  compiled: CompiledChunk,
  params: PolicyParams,
  votes: readonly Vote[],
  limits: PolicyLimits,
): Verdict {
  const budget = new Budget(limits);
  const { sandbox } = compiled;
  const { L } = sandbox;
  const failure = (): Verdict =>
    budget.stoppedBy !== null ? stopped(budget.stoppedBy) : failed(`error: ${errorMessage(L)}`);
  try {
    return withBudget(budget, () => {
      lua.lua_settop(L, 0);
      armInstructionHook(sandbox, limits);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, compiled.chunk);
      pushFreshEnvironment(sandbox);
      lua.lua_setupvalue(L, -2, 1); // a main chunk's only upvalue is _ENV
      if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK || budget.stoppedBy !== null) return failure();
      if (lua.lua_type(L, -1) !== lua.LUA_TFUNCTION)
        return failed('the chunk must return a function(votes, params)');

      pushVotes(L, votes);
      pushParams(L, params);

      if (lua.lua_pcall(L, 2, 2, 0) !== lua.LUA_OK || budget.stoppedBy !== null) return failure();
      return readResult(L, votes);
    });
  } catch (error) {
    // Only reachable when our own pushes overrun a limit (outside any Lua pcall).
    if (error instanceof PolicyLimitError) return stopped(error.reason);
    throw error;
  } finally {
    lua.lua_settop(L, 0); // drop this evaluation's values so nothing outlives it
  }
}

const failed = (reason: string): Verdict => ({ kind: 'failed', reason, stopped: false });
const stopped = (reason: string): Verdict => ({
  kind: 'failed',
  reason: `stopped: ${reason}`,
  stopped: true,
});
