import type { Decision } from './types.js';

/**
 * Decisions by key (hex), each kept for at most `ttlMs`, at most `maxEntries` of them: when full,
 * the oldest insertion goes first (a Map iterates in insertion order). ttlMs 0 disables it.
 */
export class DecisionCache {
  private readonly entries = new Map<string, { decision: Decision; expiresAtMs: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Decision | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.decision;
  }

  set(key: string, decision: Decision): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { decision, expiresAtMs: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
