/**
 * The few fengari internals that build the values every evaluation passes in (votes, params)
 * without the C API. Through the API, or a Lua builder, each field costs pushes, pops, a fresh
 * copy of the key's bytes and a hash of them; here a field is one table insert with a key made
 * once. Tables built this way are always new; only strings are reused between evaluations, and
 * Lua strings are immutable (no library function writes into a string's bytes).
 */
import type { LuaState } from 'fengari';

/** A fengari TValue. Table inserts copy it, so one can be the source of any number of inserts. */
export interface LuaValue {
  readonly type: number;
  readonly value: unknown;
}

/** A fengari Table, as `lua_topointer` returns it for a table on the stack. */
export interface LuaTable {
  readonly __luaTable: unique symbol;
}

export interface FengariInternals {
  /** A string value holding `bytes` (taken over, not copied). `asciiText` is the same bytes as text, if known. */
  stringValue(bytes: Uint8Array, asciiText?: string): LuaValue;
  integerValue(n: number): LuaValue;
  floatValue(n: number): LuaValue;
  booleanValue(b: boolean): LuaValue;
  tableValue(table: LuaTable): LuaValue;
  newTable(L: LuaState): LuaTable;
  /** `table[key] = value` without metamethods, as lua_rawset does it. */
  setField(L: LuaState, table: LuaTable, key: LuaValue, value: LuaValue): void;
  /** `table[index] = value` without metamethods, as lua_rawseti does it. */
  setIndex(table: LuaTable, index: number, value: LuaValue): void;
}

type ModuleExports = Record<string, unknown>;

/** Binds the internals of one loaded fengari; `asciiKey` is its table key for ASCII text. */
export function bindInternals(
  modules: { defs: ModuleExports; lobject: ModuleExports; lstring: ModuleExports; ltable: ModuleExports },
  asciiKey: (text: string) => string,
): FengariInternals {
  const types = (modules.defs.constant_types ?? {}) as Record<string, number>;
  const TValue = modules.lobject.TValue as new (type: number, value: unknown) => LuaValue;
  const luaS_bless = need<(L: null, bytes: Uint8Array) => { hash: string | null }>(
    modules.lstring,
    'luaS_bless',
  );
  const luaH_new = need<(L: LuaState) => LuaTable>(modules.ltable, 'luaH_new');
  const luaH_setfrom = need<(L: LuaState, t: LuaTable, k: LuaValue, v: LuaValue) => void>(
    modules.ltable,
    'luaH_setfrom',
  );
  const luaH_setint = need<(t: LuaTable, k: number, v: LuaValue) => void>(modules.ltable, 'luaH_setint');
  const invalidateTMcache = need<(t: LuaTable) => void>(modules.ltable, 'invalidateTMcache');
  const tag = (name: string): number => {
    const value = types[name];
    if (typeof value !== 'number') throw new Error(`fengari defs.js changed: no type tag ${name}`);
    return value;
  };
  const [STRING, INTEGER, FLOAT, BOOLEAN, TABLE] = [
    tag('LUA_TLNGSTR'), // fengari makes every string a long string
    tag('LUA_TNUMINT'),
    tag('LUA_TNUMFLT'),
    tag('LUA_TBOOLEAN'),
    tag('LUA_TTABLE'),
  ];
  if (typeof TValue !== 'function') throw new Error('fengari lobject.js changed: no TValue');

  return {
    stringValue(bytes, asciiText) {
      const string = luaS_bless(null, bytes); // TString ignores its state argument
      if (asciiText !== undefined) string.hash = asciiKey(asciiText);
      return new TValue(STRING, string);
    },
    integerValue: (n) => new TValue(INTEGER, n),
    floatValue: (n) => new TValue(FLOAT, n),
    booleanValue: (b) => new TValue(BOOLEAN, b),
    tableValue: (table) => new TValue(TABLE, table),
    newTable: (L) => luaH_new(L),
    setField(L, table, key, value) {
      luaH_setfrom(L, table, key, value);
      invalidateTMcache(table);
    },
    setIndex: (table, index, value) => luaH_setint(table, index, value),
  };
}

function need<F>(module: ModuleExports, name: string): F {
  const value = module[name];
  if (typeof value !== 'function') throw new Error(`fengari changed: ${name} is not a function`);
  return value as F;
}
