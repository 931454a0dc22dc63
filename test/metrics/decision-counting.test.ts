import { describe, expect, test } from 'vitest';
import type { Decision } from '../../src/decide/index.js';
import { createTallyMetrics, decisionCounter, type TallyMetrics } from '../../src/metrics/index.js';
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

const count = async (metrics: TallyMetrics, name: string, labels: Record<string, string>) =>
  sampleValue(await metrics.registry.metrics(), name, labels);

describe('decisions by outcome', () => {
  test('counts every decision returned, fresh or reused', async () => {
    const metrics = createTallyMetrics();
    const counter = decisionCounter(metrics, []);
    expect(await count(metrics, 'tally_decisions_total', { outcome: 'decided', source: 'fresh' })).toBe(0);

    counter.decided(decisionOf(true), true);
    counter.decided(decisionOf(true), false);
    counter.decided(decisionOf(false), true);
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
    const counter = decisionCounter(
      metrics,
      chain.map((p) => p.name),
    );
    expect(await count(metrics, 'tally_policy_errors_total', { policy: 'raises', kind: 'error' })).toBe(0);
    const outcome = evaluateChain(chain, votes, counter.policyFailed);
    expect(outcome.decided).toBe(false);
    evaluateChain(chain, votes, counter.policyFailed);

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
