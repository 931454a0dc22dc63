/**
 * A private copy of fengari for the policy sandbox, compiled from fengari's own CommonJS sources
 * with the few changes that make it meterable (see sandbox.ts for why). Node's module cache is not
 * touched: any other fengari user in the process gets the stock library.
 *
 * - `Uint8Array`, inside fengari only, is a metered constructor. Every Lua string and string
 *   buffer is an Uint8Array, so each one is charged to the running evaluation *before* it is
 *   allocated. (Their bytes live in ArrayBuffers, outside the V8 heap: no heap limit sees them.)
 * - The string key (fengari keys tables and orders strings by a JS string made from the bytes) is
 *   latin1 instead of hex per byte: linear in time and memory (one char per byte instead of cons
 *   strings while it is built), and it orders bytes correctly. Its bytes are charged like a string.
 * - The pattern matcher counts its steps: backtracking inside one VM instruction cannot run on.
 * - Speed only (SPEED_PATCHES, measured with bench:policy: BENCHMARKS.md, "Deciding"): stack slots
 *   are released by storing `undefined` instead of `delete` (reads see `undefined` either way, and
 *   `delete` on an array element is a slow runtime call), and a table insert clears its map of
 *   dead keys only when there is one.
 * - `lualib.js` is replaced by a module holding only `lua_assert`, so io, os, package, debug and
 *   the JS bridge are never even loaded.
 * - `internals` builds strings and tables without the C API, for the values every evaluation
 *   passes in (fengari-internals.ts). An ASCII string made there gets its key from its text.
 * - luaconf gets a FENGARICONF (fengari's own configuration hook) with long chunk ids, so error
 *   messages carry whole file paths.
 *
 * The patches are checked when applied: a fengari upgrade that moves them fails loudly here.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';

import type * as Fengari from 'fengari';

import { bindInternals, type FengariInternals } from './fengari-internals.js';

/** Receives fengari's resource use; throws to stop the running Lua code. */
export interface FengariMeter {
  allocate(bytes: number): void;
  patternStep(): void;
}

export interface MeteredFengari {
  lua: typeof Fengari.lua;
  lauxlib: typeof Fengari.lauxlib;
  lualib: typeof Fengari.lualib;
  to_luastring: typeof Fengari.to_luastring;
  internals: FengariInternals;
}

type ModuleExports = Record<string, unknown>;
interface ModuleRecord {
  exports: ModuleExports;
}

const requireFromHere = createRequire(import.meta.url);
const FENGARI_SRC = join(dirname(requireFromHere.resolve('fengari/package.json')), 'src');
const requireFromFengari = createRequire(join(FENGARI_SRC, 'fengari.js'));

const FENGARI_CONF = JSON.stringify({ LUA_IDSIZE: 1024 });
const MODULE_PARAMS = [
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
  'Uint8Array',
  'process',
  '__meter',
];

type SourcePatch = { find: string; replace: string };

/** Edits that make fengari meterable; each must match exactly once. */
const METERING_PATCHES: Record<string, SourcePatch> = {
  'lstrlib.js': {
    find: 'if (ms.matchdepth-- === 0)',
    replace: 'if ((__meter.patternStep(), ms.matchdepth--) === 0)',
  },
};

/** Edits for speed only, which change no behaviour; each must match exactly once. */
const SPEED_PATCHES: Record<string, SourcePatch> = {
  'ltable.js': {
    find: '    t.dead_strong.clear();\n    t.dead_weak = void 0;\n    let prev',
    replace:
      '    if (t.dead_strong.size !== 0) t.dead_strong.clear();\n    t.dead_weak = void 0;\n    let prev',
  },
};

/** Speed only: `delete L.stack[i];` (fengari pops this way everywhere) becomes `L.stack[i] = undefined;`. */
const STACK_SLOT_DELETE = /\bdelete ((?:L|from)\.stack\[[^\]\n]+\]);/g;

/** fengari's own prefix for string keys, which keeps them apart from its other key kinds. */
const STRING_KEY_PREFIX = '|';

/** All the sandbox needs of lualib.js (its library openers are exactly what must not load). */
const LUALIB_REPLACEMENT: ModuleExports = { lua_assert: () => {} };

export function loadMeteredFengari(meter: FengariMeter): MeteredFengari {
  const MeteredUint8Array = meteredUint8Array(meter);
  const hashKey = (bytes: Uint8Array): string => {
    meter.allocate(bytes.length);
    return STRING_KEY_PREFIX + latin1(bytes);
  };
  const cache = new Map<string, ModuleRecord>([['lualib.js', { exports: LUALIB_REPLACEMENT }]]);

  const load = (file: string): ModuleExports => {
    const cached = cache.get(file);
    if (cached) return cached.exports; // also how require cycles see partial exports, as in Node
    const record: ModuleRecord = { exports: {} };
    cache.set(file, record);
    const path = join(FENGARI_SRC, file);
    const body = compileFunction(patchSource(file, readFileSync(path, 'utf8')), MODULE_PARAMS, {
      filename: path,
    });
    const localRequire = (id: string): unknown =>
      id.startsWith('./') ? load(id.slice(2)) : requireFromFengari(id);
    const processForModule = file === 'luaconf.js' ? { env: { FENGARICONF: FENGARI_CONF } } : process;
    body(record.exports, localRequire, record, path, FENGARI_SRC, MeteredUint8Array, processForModule, meter);
    if (file === 'lstring.js') replaceStringKey(record.exports, hashKey);
    return record.exports;
  };

  const lualib: typeof Fengari.lualib = {
    luaopen_base: load('lbaselib.js').luaopen_base as Fengari.LuaCFunction,
    luaopen_math: load('lmathlib.js').luaopen_math as Fengari.LuaCFunction,
    luaopen_string: load('lstrlib.js').luaopen_string as Fengari.LuaCFunction,
    luaopen_table: load('ltablib.js').luaopen_table as Fengari.LuaCFunction,
    luaopen_utf8: load('lutf8lib.js').luaopen_utf8 as Fengari.LuaCFunction,
  };
  return {
    lua: load('lua.js') as unknown as typeof Fengari.lua,
    lauxlib: load('lauxlib.js') as unknown as typeof Fengari.lauxlib,
    lualib,
    to_luastring: load('fengaricore.js').to_luastring as typeof Fengari.to_luastring,
    internals: bindInternals(
      {
        defs: load('defs.js'),
        lobject: load('lobject.js'),
        lstring: load('lstring.js'),
        ltable: load('ltable.js'),
      },
      (text) => STRING_KEY_PREFIX + text, // latin1 of ASCII bytes is the text itself
    ),
  };
}

function patchSource(file: string, original: string): string {
  const source = original.replace(STACK_SLOT_DELETE, '$1 = undefined;');
  if (file === 'ldo.js' && source === original)
    throw new Error('fengari ldo.js changed: its stack pops are no longer `delete L.stack[...]`');
  return applyPatch(file, applyPatch(file, source, METERING_PATCHES[file]), SPEED_PATCHES[file]);
}

function applyPatch(file: string, source: string, patch: SourcePatch | undefined): string {
  if (!patch) return source;
  const parts = source.split(patch.find);
  if (parts.length !== 2) throw new Error(`fengari ${file} changed: patch point not found once`);
  return parts.join(patch.replace);
}

/** Swaps the hash before any other module destructures it (lstring.js has no require cycles). */
function replaceStringKey(lstring: ModuleExports, hashKey: (bytes: Uint8Array) => string): void {
  if (typeof lstring.luaS_hash !== 'function' || typeof lstring.luaS_hashlongstr !== 'function') {
    throw new Error('fengari lstring.js changed: cannot replace its string hash');
  }
  lstring.luaS_hash = hashKey;
  lstring.luaS_hashlongstr = (ts: { hash: string | null; realstring: Uint8Array }): string =>
    ts.hash ?? (ts.hash = hashKey(ts.realstring));
}

/**
 * Stands in for Uint8Array inside fengari: charges the bytes of every new array (by length, or by
 * the length of the array-like it copies), then builds a real Uint8Array, so `instanceof` and
 * everything else behave as before. Views on an existing buffer cost nothing.
 */
function meteredUint8Array(meter: FengariMeter): Uint8ArrayConstructor {
  function MeteredUint8Array(...args: unknown[]): Uint8Array {
    const first = args[0];
    if (typeof first === 'number') {
      meter.allocate(first);
      if (args.length === 1) return new Uint8Array(first);
    } else if (isArrayLike(first)) {
      meter.allocate(first.length);
    }
    return Reflect.construct(Uint8Array, args) as Uint8Array;
  }
  MeteredUint8Array.prototype = Uint8Array.prototype;
  MeteredUint8Array.BYTES_PER_ELEMENT = 1;
  // fengari only passes arrays and typed arrays: copying them by constructor skips the iterator
  // protocol that Uint8Array.from goes through (speed only).
  MeteredUint8Array.from = (source: ArrayLike<number>): Uint8Array => {
    meter.allocate(source.length);
    return new Uint8Array(source);
  };
  MeteredUint8Array.of = (...items: number[]): Uint8Array => {
    meter.allocate(items.length);
    return Uint8Array.of(...items);
  };
  return MeteredUint8Array as unknown as Uint8ArrayConstructor;
}

/** Bytes as a JS string, one char per byte, so JS string order is byte order. */
function latin1(bytes: Uint8Array): string {
  if (bytes.length > 32) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  let s = ''; // short keys (field names, statuses): a loop beats creating a Buffer view
  for (const byte of bytes) s += String.fromCharCode(byte);
  return s;
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { length?: unknown }).length === 'number'
  );
}
