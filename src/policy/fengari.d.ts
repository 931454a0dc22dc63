/**
 * The part of fengari 0.1.5 (Lua 5.3 in JavaScript) that the policy sandbox uses. fengari ships no
 * types. Lua strings are byte arrays; most functions also accept JS strings and encode them as
 * UTF-8.
 */
declare module 'fengari' {
  /** An opaque lua_State. */
  export interface LuaState {
    readonly __luaState: unique symbol;
  }
  export type LuaString = Uint8Array;
  /** A JS function callable from Lua: reads its arguments from the stack, returns how many results it pushed. */
  export type LuaCFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: unknown) => void;

  export const lua: {
    readonly LUA_OK: number;
    readonly LUA_ERRRUN: number;
    readonly LUA_ERRSYNTAX: number;
    readonly LUA_MULTRET: number;
    readonly LUA_REGISTRYINDEX: number;
    readonly LUA_RIDX_GLOBALS: number;
    readonly LUA_MASKCOUNT: number;
    readonly LUA_TNIL: number;
    readonly LUA_TBOOLEAN: number;
    readonly LUA_TNUMBER: number;
    readonly LUA_TSTRING: number;
    readonly LUA_TTABLE: number;
    readonly LUA_TFUNCTION: number;

    lua_atnativeerror(L: LuaState, handler: LuaCFunction): LuaCFunction | undefined;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_getfield(L: LuaState, index: number, key: string): number;
    lua_getmetatable(L: LuaState, index: number): boolean;
    lua_gettop(L: LuaState): number;
    lua_insert(L: LuaState, index: number): void;
    lua_isinteger(L: LuaState, index: number): boolean;
    lua_next(L: LuaState, index: number): boolean;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_pop(L: LuaState, n: number): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_pushcfunction(L: LuaState, f: LuaCFunction): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushliteral(L: LuaState, s: string): void;
    lua_pushnil(L: LuaState): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: LuaString | string): void;
    lua_pushvalue(L: LuaState, index: number): void;
    lua_rawgeti(L: LuaState, index: number, n: number): number;
    lua_rawlen(L: LuaState, index: number): number;
    lua_rawset(L: LuaState, index: number): void;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_remove(L: LuaState, index: number): void;
    lua_setfield(L: LuaState, index: number, key: string): void;
    lua_sethook(L: LuaState, hook: LuaHook | null, mask: number, count: number): void;
    lua_setmetatable(L: LuaState, index: number): void;
    lua_settop(L: LuaState, index: number): void;
    lua_setupvalue(L: LuaState, funcIndex: number, n: number): LuaString | null;
    lua_tocfunction(L: LuaState, index: number): LuaCFunction | null;
    /** The bytes of the string at `index` (fengari's own array: read, never write), or null. */
    lua_tolstring(L: LuaState, index: number): LuaString | null;
    lua_tojsstring(L: LuaState, index: number): string;
    lua_tonumber(L: LuaState, index: number): number;
    /** The table, function, thread or userdata object at `index` (fengari returns the object itself), else null. */
    lua_topointer(L: LuaState, index: number): unknown;
    lua_touserdata(L: LuaState, index: number): unknown;
    lua_type(L: LuaState, index: number): number;
    lua_typename(L: LuaState, type: number): LuaString;
  };

  export const lauxlib: {
    luaL_checkany(L: LuaState, arg: number): void;
    luaL_checkinteger(L: LuaState, arg: number): number;
    luaL_error(L: LuaState, fmt: string, ...args: unknown[]): never;
    luaL_len(L: LuaState, index: number): number;
    luaL_loadbufferx(
      L: LuaState,
      buffer: LuaString,
      size: number,
      chunkName: LuaString | string,
      mode: string | null,
    ): number;
    luaL_newstate(): LuaState;
    luaL_optinteger(L: LuaState, arg: number, def: number): number;
    luaL_ref(L: LuaState, table: number): number;
    luaL_requiref(L: LuaState, modname: string, openf: LuaCFunction, glb: number): void;
  };

  export const lualib: {
    luaopen_base: LuaCFunction;
    luaopen_math: LuaCFunction;
    luaopen_string: LuaCFunction;
    luaopen_table: LuaCFunction;
    luaopen_utf8: LuaCFunction;
  };

  export function to_luastring(s: string): LuaString;
}
