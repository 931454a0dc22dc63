import { InvalidArgumentError } from '../errors.js';
import { fengari } from './meter.js';
import { createSandbox, type Sandbox } from './sandbox.js';

const { lua, lauxlib } = fengari;

/** A policy chunk compiled into its own sandbox; `chunk` is its registry reference. */
export interface CompiledChunk {
  readonly sandbox: Sandbox;
  readonly chunk: number;
}

/**
 * Compiles source text (never bytecode: mode "t") in a new sandbox. `chunkName` follows Lua:
 * "@path" for files, "=name" otherwise, so messages read `path:line: message`.
 */
export function compileChunk(source: Uint8Array, chunkName: string): CompiledChunk {
  const sandbox = createSandbox();
  const { L } = sandbox;
  const status = lauxlib.luaL_loadbufferx(L, source, source.length, chunkName, 't');
  if (status !== lua.LUA_OK) {
    throw new InvalidArgumentError(lua.lua_tojsstring(L, -1));
  }
  return { sandbox, chunk: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX) };
}
