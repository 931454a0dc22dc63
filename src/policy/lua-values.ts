import type { LuaValue } from './fengari-internals.js';
import { fengari, meter } from './meter.js';

const { internals } = fengari;
/** fengari's integers are 32-bit. */
const LUA_MAX_INTEGER = 2 ** 31 - 1;
/** Log names and ids and param strings repeat every evaluation; far fewer than this are configured. */
const MAX_CACHED_STRINGS = 1024;
const utf8 = new TextEncoder();

interface CachedString {
  readonly value: LuaValue;
  readonly bytes: number;
}
const cachedStrings = new Map<string, CachedString>();

/** Whole numbers become Lua integers (so tostring(3) is "3", not "3.0"), others floats. */
export function numberValue(n: number): LuaValue {
  return Number.isInteger(n) && Math.abs(n) <= LUA_MAX_INTEGER
    ? internals.integerValue(n)
    : internals.floatValue(n);
}

/** A new Lua string of `text` as UTF-8, charged to the running evaluation like any string. */
export function stringValue(text: string): LuaValue {
  const { value, bytes } = encode(text);
  meter.allocate(bytes);
  return value;
}

/**
 * A Lua string of `text`, made once and then reused by every evaluation (Lua strings are
 * immutable, so nothing can reach one evaluation through it). Still charged on every use, so the
 * string limits hold as if it were new.
 */
export function cachedStringValue(text: string): LuaValue {
  let cached = cachedStrings.get(text);
  if (cached === undefined) {
    if (cachedStrings.size >= MAX_CACHED_STRINGS) cachedStrings.clear();
    cached = encode(text);
    cachedStrings.set(text, cached);
  }
  meter.allocate(cached.bytes);
  return cached.value;
}

/** A string made once at start for our own use (table keys, status words): never charged. */
export function constantStringValue(text: string): LuaValue {
  return encode(text).value;
}

/** Names and digests are ASCII: a plain loop beats TextEncoder, and the table key is the text itself. */
function encode(text: string): CachedString {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) {
      const encoded = utf8.encode(text);
      return { value: internals.stringValue(encoded), bytes: encoded.length };
    }
    bytes[i] = code;
  }
  return { value: internals.stringValue(bytes, text), bytes: bytes.length };
}
