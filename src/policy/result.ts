import type { LuaState } from 'fengari';

import { fengari } from './meter.js';
import { DIGEST_HEX, type Vote } from './types.js';

const { lua } = fengari;
const MAX_REASON_CHARS = 500;
const DIGEST_BYTES = 64;
const latin1 = new TextDecoder('latin1');

/**
 * What one policy said about the votes: its only answer type. A chain of policies answers with a
 * Decision (src/vote/vote.ts). `failed` covers errors, limit stops and malformed results.
 */
export type Verdict =
  | { kind: 'decided'; digest: string; confidence: number }
  | { kind: 'declined'; reason: string }
  | { kind: 'failed'; reason: string; stopped: boolean };

export const malformed = (detail: string): Verdict => ({
  kind: 'failed',
  reason: `malformed result: ${detail}`,
  stopped: false,
});

/** Reads the policy function's two results, `digest, confidence` or `nil, reason`, from the top of the stack. */
export function readResult(L: LuaState, votes: readonly Vote[]): Verdict {
  const first = lua.lua_type(L, -2);
  const second = lua.lua_type(L, -1);
  if (first === lua.LUA_TNIL) {
    if (second !== lua.LUA_TSTRING) {
      return malformed(
        `returned nil and ${typeName(L, second)}; an undecided policy returns nil and a reason string`,
      );
    }
    return { kind: 'declined', reason: clip(lua.lua_tojsstring(L, -1)) };
  }
  if (first !== lua.LUA_TSTRING) {
    return malformed(`returned ${typeName(L, first)} where a digest (string) or nil was expected`);
  }
  const digest = agreeingDigestAt(L, -2, votes);
  if (digest === null) {
    const text = lua.lua_tojsstring(L, -2);
    if (!DIGEST_HEX.test(text)) return malformed(`digest ${quote(text)} is not 64 lowercase hex digits`);
    return malformed(`digest ${text} is not the digest of any agreeing vote`);
  }
  if (second !== lua.LUA_TNUMBER) return malformed(`confidence is ${typeName(L, second)}, not a number`);
  const confidence = lua.lua_tonumber(L, -1);
  if (!(confidence >= 0 && confidence <= 1)) return malformed(`confidence ${confidence} is outside [0, 1]`);
  return { kind: 'decided', digest, confidence };
}

/**
 * The string at `index` if it is the digest of an agreeing vote, else null. Votes are valid, so
 * such a digest is 64 ASCII bytes: read as latin1 (much cheaper than fengari's UTF-8 decoder) they
 * are the same text, and any other bytes cannot match.
 */
function agreeingDigestAt(L: LuaState, index: number, votes: readonly Vote[]): string | null {
  const bytes = lua.lua_tolstring(L, index);
  if (bytes === null || bytes.length !== DIGEST_BYTES) return null;
  const text = latin1.decode(bytes);
  return votes.some((vote) => vote.status === 'agrees' && vote.digest === text) ? text : null;
}

/** The message of the error object on top of the stack, without running any of its metamethods. */
export function errorMessage(L: LuaState): string {
  const type = lua.lua_type(L, -1);
  if (type === lua.LUA_TSTRING || type === lua.LUA_TNUMBER) return clip(lua.lua_tojsstring(L, -1));
  return `error object is ${typeName(L, type)}`;
}

function typeName(L: LuaState, type: number): string {
  const name = new TextDecoder().decode(lua.lua_typename(L, type));
  return name === 'no value' ? 'nothing' : `a ${name}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

function clip(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}...` : text;
}
