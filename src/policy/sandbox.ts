/**
 * The Lua state a policy runs in, and why it is built this way.
 *
 * Threat: a policy file that loops, allocates without bound, or tries to reach the host. Policies
 * run in the daemon's process, synchronously, on the event loop; each evaluation is bounded by
 * PolicyLimits and cannot leave anything behind for the next one.
 *
 * Why in-process and metered, rather than a Worker (the measurements: docs/policies.md, "How the
 * sandbox holds"): a Worker's resourceLimits bound only the V8 heap, and Lua strings live outside
 * it, so strings must be metered whatever else we do; preempting in-process code takes a watchdog
 * (vm's `timeout` starts a thread per call), and a Worker makes evaluation asynchronous.
 * So the bounds are enforced from inside fengari (metered-fengari.ts, budget.ts):
 * - instructions: a count hook every 100 instructions adds to the budget and checks the wall
 *   clock; library calls that do unbounded work in one instruction are charged before they run
 *   (safe-library.ts), and the pattern matcher is charged per step.
 * - memory: every string and string buffer is charged before it is allocated, and no single one
 *   may exceed `stringBytes` (this is what stops `string.rep("x", 1e9)` and `s = s .. s` at the
 *   first oversized allocation). Tables and other JS-heap growth are sampled every 1,000
 *   instructions. Together these also bound what one instruction can cost.
 * - escape: policies see only BASE_FUNCTIONS and LIBRARIES; library tables are read-only views,
 *   the string metatable is hidden (`getmetatable("")` is false, so `.__index` leads nowhere), and
 *   binary chunks cannot be loaded. Limit stops surface as JS exceptions that Lua's pcall would
 *   swallow, so pcall is replaced by one that rethrows them.
 * - no carried state: every evaluation runs the chunk afresh with a fresh globals table whose reads
 *   fall through to a shared base nobody can reach, so a policy's globals, upvalues and tables die
 *   with the evaluation (Trustix dropped Lua over a leak). The votes and params tables are new each
 *   time; only strings (log names, ids, params) are shared, and Lua strings are immutable. One
 *   state per policy is reused; after a limit stop (which can interrupt fengari mid-operation) it
 *   is discarded and rebuilt.
 * What remains: between two checks run at most 100 instructions of at most O(stringBytes) work
 * each, so a stop can come some ms late, and heap growth is seen up to 1,000 instructions late.
 * Cost: BENCHMARKS.md, "Deciding" (bench/policy-bench.ts).
 */
import type { LuaState } from 'fengari';

import { HOOK_INTERVAL } from './budget.js';
import type { PolicyLimits } from './limits.js';
import { fengari, meter } from './meter.js';
import { BASE_FUNCTIONS, LIBRARIES, refuseWrite, stopAwarePcall } from './safe-library.js';

const { lua, lauxlib, lualib } = fengari;

const OPENERS: Record<string, typeof lualib.luaopen_base> = {
  string: lualib.luaopen_string,
  table: lualib.luaopen_table,
  math: lualib.luaopen_math,
  utf8: lualib.luaopen_utf8,
};

export interface Sandbox {
  readonly L: LuaState;
  /** Registry reference of the metatable that makes a fresh globals table read through to the base. */
  readonly environmentMetatable: number;
}

export function createSandbox(): Sandbox {
  const L = lauxlib.luaL_newstate();
  lua.lua_atnativeerror(L, (state) => {
    meter.recordNativeError(lua.lua_touserdata(state, -1));
    return 0;
  });

  lua.lua_createtable(L, 0, BASE_FUNCTIONS.length + 5);
  const base = lua.lua_gettop(L);
  lauxlib.luaL_requiref(L, '_G', lualib.luaopen_base, 0);
  for (const name of BASE_FUNCTIONS) {
    lua.lua_getfield(L, -1, name);
    lua.lua_setfield(L, base, name);
  }
  lua.lua_pop(L, 1);
  lua.lua_pushcfunction(L, stopAwarePcall);
  lua.lua_setfield(L, base, 'pcall');

  for (const [name, members] of Object.entries(LIBRARIES)) {
    pushSafeLibrary(L, name, members);
    if (name === 'string') hideStringMetatable(L);
    pushReadOnlyView(L, lua.lua_gettop(L));
    lua.lua_setfield(L, base, name);
    lua.lua_pop(L, 1);
  }

  lua.lua_createtable(L, 0, 2);
  lua.lua_pushvalue(L, base);
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushboolean(L, false);
  lua.lua_setfield(L, -2, '__metatable');
  const environmentMetatable = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);

  // Chunks loaded into this state start with an empty environment, never the full stock globals.
  lua.lua_createtable(L, 0, 0);
  lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
  lua.lua_settop(L, 0);
  return { L, environmentMetatable };
}

/** Pushes a new, empty globals table whose reads fall through to the base. */
export function pushFreshEnvironment(sandbox: Sandbox): void {
  const { L } = sandbox;
  lua.lua_createtable(L, 0, 0);
  lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, sandbox.environmentMetatable);
  lua.lua_setmetatable(L, -2);
}

/** (Re)starts instruction counting for one evaluation. */
export function armInstructionHook(sandbox: Sandbox, limits: PolicyLimits): void {
  const interval = Math.min(HOOK_INTERVAL, limits.instructions);
  lua.lua_sethook(sandbox.L, () => meter.instructionsRan(interval), lua.LUA_MASKCOUNT, interval);
}

/** Pushes a new table with the allowed members of a stock library, charged where needed. */
function pushSafeLibrary(L: LuaState, name: string, members: (typeof LIBRARIES)[string]): void {
  const opener = OPENERS[name];
  if (!opener) throw new Error(`no opener for Lua library ${name}`);
  lauxlib.luaL_requiref(L, name, opener, 0);
  const stock = lua.lua_gettop(L);
  lua.lua_createtable(L, 0, Object.keys(members).length);
  for (const [member, exposure] of Object.entries(members)) {
    lua.lua_getfield(L, stock, member);
    const original = lua.lua_tocfunction(L, -1);
    if (exposure) {
      if (!original) throw new Error(`${name}.${member} is not a C function`);
      lua.lua_pop(L, 1);
      lua.lua_pushcfunction(L, exposure(original));
    }
    lua.lua_setfield(L, -2, member);
  }
  lua.lua_remove(L, stock);
}

/** Strings index the safe string table; getmetatable("") returns false instead of the metatable. */
function hideStringMetatable(L: LuaState): void {
  const library = lua.lua_gettop(L);
  lua.lua_pushliteral(L, '');
  lua.lua_getmetatable(L, -1);
  lua.lua_pushvalue(L, library);
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushboolean(L, false);
  lua.lua_setfield(L, -2, '__metatable');
  lua.lua_pop(L, 2);
}

/** Pushes an empty table that reads from the table at `index` and refuses writes. */
function pushReadOnlyView(L: LuaState, index: number): void {
  lua.lua_createtable(L, 0, 0);
  lua.lua_createtable(L, 0, 3);
  lua.lua_pushvalue(L, index);
  lua.lua_setfield(L, -2, '__index');
  lua.lua_pushcfunction(L, refuseWrite);
  lua.lua_setfield(L, -2, '__newindex');
  lua.lua_pushboolean(L, false);
  lua.lua_setfield(L, -2, '__metatable');
  lua.lua_setmetatable(L, -2);
}
