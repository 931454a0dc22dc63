import type { LuaState } from 'fengari';

import { fengari } from './meter.js';

const { lua } = fengari;
/** fengari's integers are 32-bit. */
const LUA_MAX_INTEGER = 2 ** 31 - 1;
const utf8 = new TextEncoder();

/** Whole numbers become Lua integers (so tostring(3) is "3", not "3.0"), others floats. */
export function pushNumber(L: LuaState, n: number): void {
  if (Number.isInteger(n) && Math.abs(n) <= LUA_MAX_INTEGER) lua.lua_pushinteger(L, n);
  else lua.lua_pushnumber(L, n);
}

/** Pushes a JS string as UTF-8. Names and digests are ASCII: a plain loop is 2-4x faster than fengari or TextEncoder there. */
export function pushString(L: LuaState, s: string): void {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code > 0x7f) {
      lua.lua_pushstring(L, utf8.encode(s));
      return;
    }
    bytes[i] = code;
  }
  lua.lua_pushstring(L, bytes);
}
