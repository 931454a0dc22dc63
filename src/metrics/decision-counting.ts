import type { DecideOptions, Decision } from '../decide/index.js';
import type { Policy } from '../policy/index.js';
import type { DecisionOutcome, DecisionSourceLabel, PolicyErrorKind, TallyMetrics } from './tally-metrics.js';

/** The part of the decider that is counted. */
export interface DecidingService {
  decide(key: Buffer, options?: DecideOptions): Promise<Decision>;
}

/**
 * Counts every decision the decider returns, by outcome and source. It wraps the instance's
 * `decide` at wiring time, so every caller (cache proxy, admin Decide) is counted and the decider
 * itself knows nothing of metrics. A decision object seen before was not made afresh: the decider
 * hands out the very object it cached (or that a concurrent request is already waiting for).
 */
export function countDecisions(decider: DecidingService, metrics: TallyMetrics): void {
  // Children bound once (and so exported at 0 from the start): resolving labels from an object
  // on every request showed in the proxy's narinfo profile.
  const counters = {} as Record<DecisionOutcome, Record<DecisionSourceLabel, { inc(by?: number): void }>>;
  for (const outcome of ['decided', 'undecided'] satisfies DecisionOutcome[]) {
    const bySource = {} as Record<DecisionSourceLabel, { inc(by?: number): void }>;
    for (const source of ['fresh', 'cached'] satisfies DecisionSourceLabel[]) {
      bySource[source] = metrics.decisions.labels(outcome, source);
      bySource[source].inc(0);
    }
    counters[outcome] = bySource;
  }
  const decide = decider.decide.bind(decider);
  const seen = new WeakSet<Decision>();
  decider.decide = async (key, options) => {
    const decision = await decide(key, options);
    const source: DecisionSourceLabel = seen.has(decision) ? 'cached' : 'fresh';
    seen.add(decision);
    counters[decision.decided ? 'decided' : 'undecided'][source].inc();
    return decision;
  };
}

/**
 * Counts failed evaluations of each policy in the chain. A failed policy only shows as an
 * undecided decision whose reason carries its message, so it is counted where the verdict is
 * still typed: each policy's `verdict`, wrapped at wiring time.
 */
export function countPolicyFailures(chain: readonly Policy[], metrics: TallyMetrics): void {
  for (const policy of chain) {
    for (const kind of ['error', 'stopped'] satisfies PolicyErrorKind[]) {
      metrics.policyErrors.inc({ policy: policy.name, kind }, 0);
    }
    const verdict = policy.verdict.bind(policy);
    policy.verdict = (votes) => {
      const result = verdict(votes);
      if (result.kind === 'failed') {
        const kind: PolicyErrorKind = result.stopped ? 'stopped' : 'error';
        metrics.policyErrors.inc({ policy: policy.name, kind });
      }
      return result;
    };
  }
}
