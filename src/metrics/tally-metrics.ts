import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Label values of `tally_decisions_total`. */
export type DecisionOutcome = 'decided' | 'undecided';
/** `cached`: answered from the decision cache or by joining a decision already in flight. */
export type DecisionSourceLabel = 'fresh' | 'cached';
/** `error`: the script raised an error or returned a malformed result; `stopped`: a limit stopped it. */
export type PolicyErrorKind = 'error' | 'stopped';

/**
 * The daemon's metrics, in a registry of its own (never prom-client's global one), so two daemons
 * or test files in one process never clash. Gauges read from live state are added by their owners
 * (followed-log-gauges.ts, spool-gauge.ts) with collect callbacks, evaluated at scrape time.
 */
export interface TallyMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route'>;
  decisions: Counter<'outcome' | 'source'>;
  policyErrors: Counter<'policy' | 'kind'>;
  witnessRequests: Counter<'status'>;
  witnessRequestDuration: Histogram;
}

export function createTallyMetrics(): TallyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'tally_http_requests_total',
      help: 'HTTP requests answered by the cache proxy, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'tally_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request on the cache proxy to the end of its response.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    decisions: new Counter({
      name: 'tally_decisions_total',
      help: 'Decisions returned by the decider (cache proxy and admin Decide), by outcome and source.',
      labelNames: ['outcome', 'source'],
      registers,
    }),
    policyErrors: new Counter({
      name: 'tally_policy_errors_total',
      help: 'Policy evaluations that failed (error, malformed result) or were stopped by a limit.',
      labelNames: ['policy', 'kind'],
      registers,
    }),
    witnessRequests: new Counter({
      name: 'tally_witness_requests_total',
      help: 'add-checkpoint requests answered by the witness, by HTTP status code.',
      labelNames: ['status'],
      registers,
    }),
    witnessRequestDuration: new Histogram({
      name: 'tally_witness_request_duration_seconds',
      help: 'Time the witness took over an add-checkpoint request, from its body read to its answer.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}
