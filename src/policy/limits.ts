import { InvalidArgumentError } from '../errors.js';

/** What one evaluation of a policy may use. Every bound holds per evaluation; nothing carries over. */
export interface PolicyLimits {
  /**
   * Lua VM instructions, plus instruction-equivalents charged for library calls whose work is not
   * made of instructions (table.sort, table.unpack, string.rep, pattern-matching steps, ...).
   */
  instructions: number;
  /**
   * Bytes: every string and string buffer, counted when allocated (garbage included), plus growth
   * of the JS heap (tables, closures, stack), sampled every 1,000 instructions.
   */
  memoryBytes: number;
  /** The largest single string. Bounds what one instruction on strings (compare, copy, hash) costs. */
  stringBytes: number;
  /** Wall-clock bound, checked between instructions: the backstop for everything above. */
  timeMs: number;
}

export const DEFAULT_POLICY_LIMITS: Readonly<PolicyLimits> = Object.freeze({
  instructions: 1_000_000,
  memoryBytes: 32 * 1024 * 1024,
  stringBytes: 64 * 1024,
  timeMs: 1000,
});

/** Fills in defaults and checks that every limit is a positive integer. */
export function resolveLimits(partial: Partial<PolicyLimits> = {}): PolicyLimits {
  const limits = { ...DEFAULT_POLICY_LIMITS, ...partial };
  for (const key of Object.keys(DEFAULT_POLICY_LIMITS) as (keyof PolicyLimits)[]) {
    const value = limits[key];
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidArgumentError(`policy limit ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (limits.stringBytes > limits.memoryBytes) {
    throw new InvalidArgumentError(
      `policy limit stringBytes (${limits.stringBytes}) cannot exceed memoryBytes (${limits.memoryBytes})`,
    );
  }
  return limits;
}
