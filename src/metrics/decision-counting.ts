import type { DecideObserver } from '../decide/index.js';
import type { DecisionOutcome, DecisionSourceLabel, PolicyErrorKind, TallyMetrics } from './tally-metrics.js';

type Counter = { inc(by?: number): void };

/**
 * Counts the decider's decisions by outcome and source (fresh or reused), and the failed
 * evaluations of each policy in `policies` (the chain), as the decider's observer.
 */
export function decisionCounter(metrics: TallyMetrics, policies: readonly string[]): DecideObserver {
  // Children bound once (and so exported at 0 from the start): resolving labels from an object
  // on every request showed in the proxy's narinfo profile.
  const counters = {} as Record<DecisionOutcome, Record<DecisionSourceLabel, Counter>>;
  for (const outcome of ['decided', 'undecided'] satisfies DecisionOutcome[]) {
    const bySource = {} as Record<DecisionSourceLabel, Counter>;
    for (const source of ['fresh', 'cached'] satisfies DecisionSourceLabel[]) {
      bySource[source] = metrics.decisions.labels(outcome, source);
      bySource[source].inc(0);
    }
    counters[outcome] = bySource;
  }
  for (const policy of policies) {
    for (const kind of ['error', 'stopped'] satisfies PolicyErrorKind[]) {
      metrics.policyErrors.inc({ policy, kind }, 0);
    }
  }
  return {
    decided(decision, fresh) {
      counters[decision.decided ? 'decided' : 'undecided'][fresh ? 'fresh' : 'cached'].inc();
    },
    policyFailed(policy, stopped) {
      const kind: PolicyErrorKind = stopped ? 'stopped' : 'error';
      metrics.policyErrors.inc({ policy, kind });
    },
  };
}
