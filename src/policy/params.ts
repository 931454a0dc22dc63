import type { LuaState } from 'fengari';

import { InvalidArgumentError } from '../errors.js';
import type { LuaTable, LuaValue } from './fengari-internals.js';
import { cachedStringValue, numberValue } from './lua-values.js';
import { fengari } from './meter.js';
import type { PolicyParams } from './types.js';

const { lua, internals } = fengari;

/** Checks params from the config: strings, finite numbers, booleans and lists of strings only. */
export function validateParams(params: unknown, policy: string): PolicyParams {
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InvalidArgumentError(`policy "${policy}": params must be a table of name = value`);
  }
  for (const [name, value] of Object.entries(params)) {
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    if (!ok) {
      throw new InvalidArgumentError(
        `policy "${policy}": param ${name} must be a string, a finite number, a boolean or a list of strings`,
      );
    }
  }
  return params as PolicyParams;
}

/**
 * Pushes a new params table, built in place: new on every evaluation, so a policy cannot keep
 * state in it. Names and strings are Lua strings made once (see cachedStringValue).
 */
export function pushParams(L: LuaState, params: PolicyParams): void {
  lua.lua_createtable(L, 0, 0);
  const table = lua.lua_topointer(L, -1) as LuaTable;
  for (const [name, value] of Object.entries(params)) {
    internals.setField(L, table, cachedStringValue(name), paramValue(L, value));
  }
}

function paramValue(L: LuaState, value: PolicyParams[string]): LuaValue {
  if (typeof value === 'string') return cachedStringValue(value);
  if (typeof value === 'number') return numberValue(value);
  if (typeof value === 'boolean') return internals.booleanValue(value);
  const list = internals.newTable(L);
  value.forEach((item, i) => internals.setIndex(list, i + 1, cachedStringValue(item)));
  return internals.tableValue(list);
}
