import { describe, expect, it } from 'vitest';
import { closureDecisions } from '../../src/cache/closure-decisions.js';
import type { CacheDecision, DecisionSource } from '../../src/cache/decision-source.js';
import { encodeNixBase32 } from '../../src/crypto/nix-base32.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { encodeNixValue } from '../../src/nix/canonical-value.js';
import { hashPartOfKey, keyFromHashPart } from '../../src/nix/store-path.js';

const NAR_HASH = `sha256:${encodeNixBase32(sha256(Buffer.from('nar')))}`;
const base = (name: string) => `${encodeNixBase32(sha256(Buffer.from(name)).subarray(0, 20))}-${name}`;

/**
 * Paths named by letter; `graph` gives each path's references, `undecided` the paths with no
 * decision. Counts how often each path is decided.
 */
function source(graph: Record<string, string[]>, undecided: string[] = []) {
  const byHash = new Map(Object.keys(graph).map((name) => [base(name).slice(0, 32), name]));
  const asked: string[] = [];
  const values = new Map<string, Buffer>();
  const decisions: DecisionSource = {
    async decide(key): Promise<CacheDecision> {
      const name = byHash.get(hashPartOfKey(key))!;
      asked.push(name);
      if (undecided.includes(name)) return { decided: false, reason: `tie on ${name}` };
      let value = values.get(name);
      if (value === undefined) {
        value = encodeNixValue({
          storePath: `/nix/store/${base(name)}`,
          narHash: NAR_HASH,
          narSize: 8,
          references: [base(name), ...graph[name]!.map(base)],
        });
        values.set(name, value); // the same object while "cached", as the decider does
      }
      return { decided: true, value, upstreams: ['http://cache'] };
    },
  };
  return { decisions, asked };
}
const keyOf = (name: string) => keyFromHashPart(base(name).slice(0, 32));

describe('closure decisions', () => {
  it('decide a path only when every path of its closure is decided, naming the first that is not', async () => {
    const { decisions } = source({ a: ['b', 'c'], b: ['d'], c: [], d: [] }, ['d']);
    const closure = closureDecisions(decisions, '/nix/store');
    expect(await closure.decide(keyOf('a'))).toEqual({
      decided: false,
      reason: `reference /nix/store/${base('d')} (a reference of /nix/store/${base('b')}) is not decided: tie on d`,
    });
    expect(await closure.decide(keyOf('b'))).toEqual({
      decided: false,
      reason: `reference /nix/store/${base('d')} is not decided: tie on d`,
    });
    expect((await closure.decide(keyOf('c'))).decided).toBe(true);
  });

  it('decide each path of a closure once, also with shared paths and a cycle; then remember it complete', async () => {
    const { decisions, asked } = source({ a: ['b', 'c'], b: ['d'], c: ['d'], d: ['a'] });
    const closure = closureDecisions(decisions, '/nix/store');
    expect((await closure.decide(keyOf('a'))).decided).toBe(true);
    expect([...asked].sort()).toEqual(['a', 'b', 'c', 'd']);
    asked.length = 0;
    expect((await closure.decide(keyOf('a'))).decided).toBe(true);
    expect(asked).toEqual(['a']);
  });
});
