import { describe, expect, test } from 'vitest';
import type { Decision } from '../../src/decide/index.js';
import {
  countDecisions,
  countPolicyFailures,
  createTallyMetrics,
  type TallyMetrics,
} from '../../src/metrics/index.js';
import { evaluateChain, loadPolicy, type Vote } from '../../src/policy/index.js';
import { sampleValue } from './prometheus-text.js';

const decisionOf = (decided: boolean): Decision => ({
  decided,
  confidence: decided ? 1 : 0,
  policy: 'p',
  agreeing: [],
  dissenting: [],
  absent: [],
  unavailable: [],
  compromised: [],
  reason: decided ? 'agreed' : 'no agreement',
});

/** Like the Decider: answers a key it has decided before with the very object it cached. */
class CachingDecider {
  private readonly cache = new Map<string, Decision>();
  constructor(private readonly decidedKeys: Set<string>) {}
  async decide(key: Buffer): Promise<Decision> {
    const hex = key.toString('hex');
    const cached = this.cache.get(hex);
    if (cached) return cached;
    const decision = decisionOf(this.decidedKeys.has(hex));
    this.cache.set(hex, decision);
    return decision;
  }
}

const count = async (metrics: TallyMetrics, name: string, labels: Record<string, string>) =>
  sampleValue(await metrics.registry.metrics(), name, labels);

describe('decisions by outcome', () => {
  test('counts every decision returned, fresh or from the cache', async () => {
    const metrics = createTallyMetrics();
    const decider = new CachingDecider(new Set(['01']));
    countDecisions(decider, metrics);
    expect(await count(metrics, 'tally_decisions_total', { outcome: 'decided', source: 'fresh' })).toBe(0);

    expect((await decider.decide(Buffer.from([1]))).decided).toBe(true);
    expect((await decider.decide(Buffer.from([1]))).decided).toBe(true);
    expect((await decider.decide(Buffer.from([2]))).decided).toBe(false);
    const decisions = (outcome: string, source: string) =>
      count(metrics, 'tally_decisions_total', { outcome, source });
    expect(await decisions('decided', 'fresh')).toBe(1);
    expect(await decisions('decided', 'cached')).toBe(1);
    expect(await decisions('undecided', 'fresh')).toBe(1);
    expect(await decisions('undecided', 'cached')).toBe(0);
  });
});

describe('policy errors', () => {
  const votes: Vote[] = [
    { logName: 'a', logId: 'id-a', weight: 1, status: 'agrees', digest: 'ab'.repeat(32) },
    { logName: 'b', logId: 'id-b', weight: 1, status: 'absent', digest: null },
  ];
  // Each behaves with no votes (the check at load) and misbehaves with some.
  const failing = loadPolicy({
    name: 'raises',
    source: 'return function(votes) if #votes > 0 then error("boom") end return nil, "no votes" end',
  });
  const malformed = loadPolicy({
    name: 'malformed',
    source: 'return function(votes) if #votes > 0 then return 42, 1 end return nil, "no votes" end',
  });
  const spinning = loadPolicy({
    name: 'spins',
    source: 'return function(votes) while #votes > 0 do end return nil, "no votes" end',
    limits: { instructions: 10_000 },
  });
  const declining = loadPolicy({
    name: 'declines',
    source: 'return function() return nil, "never decides" end',
  });

  test('errors and malformed results count as errors, limit stops as stopped; declining is no error', async () => {
    const metrics = createTallyMetrics();
    const chain = [failing, malformed, spinning, declining];
    countPolicyFailures(chain, metrics);
    const outcome = evaluateChain(chain, votes);
    expect(outcome.decided).toBe(false);
    evaluateChain(chain, votes);

    const errors = (policy: string, kind: string) =>
      count(metrics, 'tally_policy_errors_total', { policy, kind });
    expect(await errors('raises', 'error')).toBe(2);
    expect(await errors('malformed', 'error')).toBe(2);
    expect(await errors('spins', 'stopped')).toBe(2);
    expect(await errors('spins', 'error')).toBe(0);
    expect(await errors('declines', 'error')).toBe(0);
    expect(await errors('declines', 'stopped')).toBe(0);
  });
});
