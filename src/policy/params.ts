import type { LuaState } from 'fengari';

import { InvalidArgumentError } from '../errors.js';
import { pushNumber, pushString } from './lua-values.js';
import { fengari } from './meter.js';
import type { PolicyParams } from './types.js';

const { lua } = fengari;

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

/** Pushes a fresh params table (fresh per evaluation, so a policy cannot keep state in it). */
export function pushParams(L: LuaState, params: PolicyParams): void {
  const entries = Object.entries(params);
  lua.lua_createtable(L, 0, entries.length);
  for (const [name, value] of entries) {
    if (typeof value === 'string') pushString(L, value);
    else if (typeof value === 'number') pushNumber(L, value);
    else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
    else {
      lua.lua_createtable(L, value.length, 0);
      value.forEach((item, i) => {
        pushString(L, item);
        lua.lua_rawseti(L, -2, i + 1);
      });
    }
    lua.lua_setfield(L, -2, name);
  }
}
