/**
 * What a policy may call, and what the calls whose work is not made of VM instructions cost. A
 * count hook cannot interrupt a library function, so a call like `table.sort` on a big table, or
 * `string.rep("", 1e9)`, is charged its work (in instruction-equivalents) before it runs.
 */
import type { LuaCFunction, LuaState } from 'fengari';

import { fengari, meter } from './meter.js';

const { lua, lauxlib } = fengari;

/**
 * Base functions a policy may use. Left out: print, load, loadstring, dofile, loadfile, require,
 * collectgarbage (host access or code loading); rawset (would write through the read-only
 * library tables); xpcall (its handler would run after a limit has stopped the script).
 * `pcall` is replaced by one that cannot catch a stop.
 */
export const BASE_FUNCTIONS = [
  'assert',
  'error',
  'getmetatable',
  'ipairs',
  'next',
  'pairs',
  'rawequal',
  'rawget',
  'rawlen',
  'select',
  'setmetatable',
  'tonumber',
  'tostring',
  'type',
  '_VERSION',
] as const;

/** How a library member is exposed: null as it is, else through a wrapper that charges its work. */
export type Exposure = ((original: LuaCFunction) => LuaCFunction) | null;

/** A string byte scanned costs 1/16 of an instruction (both run at roughly that ratio in fengari). */
const BYTES_PER_UNIT = 16;

/** Charges the work a call is about to do, computed from its arguments, before running it. */
const chargeBefore =
  (units: (L: LuaState) => number): Exposure =>
  (original) =>
  (L) => {
    meter.charge(units(L));
    return original(L);
  };

/**
 * string.rep copies its string once per repetition. Copies of "" allocate nothing, so they are paid
 * before; copies of anything else are paid after, so that an oversized result is stopped by its
 * allocation (and reported as such) before the loop runs.
 */
const chargeRep: Exposure = (original) => (L) => {
  const repetitions = Math.max(0, lauxlib.luaL_checkinteger(L, 2));
  const empty = lua.lua_rawlen(L, 1) + lua.lua_rawlen(L, 3) === 0;
  if (empty) meter.charge(repetitions);
  const results = original(L);
  if (!empty) meter.charge(repetitions);
  return results;
};

const span = (from: number, to: number): number => Math.max(0, to - from + 1);
const optLength = (L: LuaState, arg: number, tableArg: number): number =>
  lua.lua_type(L, arg) <= lua.LUA_TNIL ? lauxlib.luaL_len(L, tableArg) : lauxlib.luaL_checkinteger(L, arg);
/** string.byte and utf8.codepoint push one value per byte when given a range. */
const chargeSlice = chargeBefore((L) => (lua.lua_gettop(L) >= 3 ? lua.lua_rawlen(L, 1) : 0));

/**
 * Library members a policy may use. Left out: string.dump (bytecode), string.pack/unpack/packsize
 * (binary formats nobody votes with), math.random/randomseed (policies must be deterministic), and
 * the coroutine, io, os, package and debug libraries entirely.
 */
export const LIBRARIES: Record<string, Record<string, Exposure>> = {
  string: {
    byte: chargeSlice,
    char: null,
    // A plain find compares the needle at every position; patterns are metered step by step.
    find: chargeBefore((L) =>
      Math.ceil((lua.lua_rawlen(L, 1) * Math.max(1, lua.lua_rawlen(L, 2))) / BYTES_PER_UNIT),
    ),
    format: null,
    gmatch: null,
    gsub: null,
    len: null,
    lower: null,
    match: null,
    rep: chargeRep,
    reverse: null,
    sub: null,
    upper: null,
  },
  table: {
    concat: chargeBefore((L) => span(lauxlib.luaL_optinteger(L, 3, 1), optLength(L, 4, 1))),
    insert: chargeBefore((L) => (lua.lua_gettop(L) >= 3 ? lauxlib.luaL_len(L, 1) : 0)),
    move: chargeBefore((L) => span(lauxlib.luaL_checkinteger(L, 2), lauxlib.luaL_checkinteger(L, 3))),
    remove: chargeBefore((L) => (lua.lua_gettop(L) >= 2 ? lauxlib.luaL_len(L, 1) : 0)),
    sort: chargeBefore((L) => {
      const n = lauxlib.luaL_len(L, 1);
      return n * Math.ceil(Math.log2(n + 1));
    }),
    unpack: chargeBefore((L) => span(lauxlib.luaL_optinteger(L, 2, 1), optLength(L, 3, 1))),
  },
  math: Object.fromEntries(
    (
      'abs acos asin atan ceil cos deg exp floor fmod huge log max maxinteger min mininteger modf pi rad ' +
      'sin sqrt tan tointeger type ult'
    )
      .split(' ')
      .map((name) => [name, null]),
  ),
  utf8: { char: null, charpattern: null, codepoint: chargeSlice, codes: null, len: null, offset: null },
};

/** pcall whose protected call can fail like Lua's, except that a stopped evaluation stays stopped. */
export const stopAwarePcall: LuaCFunction = (L) => {
  lauxlib.luaL_checkany(L, 1);
  const status = lua.lua_pcall(L, lua.lua_gettop(L) - 1, lua.LUA_MULTRET, 0);
  meter.rethrowIfStopped();
  lua.lua_pushboolean(L, status === lua.LUA_OK);
  lua.lua_insert(L, 1);
  return lua.lua_gettop(L);
};

/** __newindex of the library tables, which every evaluation shares. */
export const refuseWrite: LuaCFunction = (L) =>
  lauxlib.luaL_error(L, 'attempt to modify a read-only library table');
